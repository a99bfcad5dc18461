// npm run kb:check: validates knowledge/ and checks that every example is answered with its own
// entry and no negative example is answered with its entry. Exit 1 on any problem.
import { loadConfig } from '../config.ts';
import { checkRouting } from '../knowledge/routing-check.ts';
import { loadKnowledgeState } from '../knowledge/state.ts';

const dirArg = process.argv[2];
const config = loadConfig();
const dir = dirArg ?? (config.ok ? config.config.KNOWLEDGE_DIR : 'knowledge');
const { state, problems } = loadKnowledgeState(dir, {
  trainingFile: config.ok ? config.config.TRAINING_CORPUS : 'eval/train.jsonl',
});
// A broken line in the training corpus fails the check too, though the bot would start with the rest.
if (!state || problems.length > 0) {
  console.error(`${dir}: ${problems.length} problem(s):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
if (!state) process.exit(1);
const routing = checkRouting(state);
for (const failure of routing.failures) console.error(`  - ${failure}`);
console.log(
  `${dir}: ${state.kb.entries.length} entries, ${routing.examples} examples, ${routing.negatives} negative examples; ` +
    `${routing.failures.length} routing problem(s)`,
);
process.exit(routing.failures.length ? 1 : 0);
