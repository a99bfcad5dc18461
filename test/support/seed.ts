// The seed conversation (shared/seed/sillytavern-401-thread.txt): a forum post titled
// 401“unauthorized”, then two messages by the same asker.
export const SEED_TURNS = [
  { text: '401“unauthorized”', intent: 'error-401-unauthorized', kind: 'answer' },
  {
    text: 'Why does SillyTavern show an error 400 "API key invalid" when using an authorized API key?',
    intent: 'error-400-invalid-key',
    kind: 'answer',
  },
  { text: 'Why does this situation occur?', intent: 'error-400-invalid-key', kind: 'followup' },
] as const;
