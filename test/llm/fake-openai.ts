// A small OpenAI-compatible chat-completions server on 127.0.0.1 for the judge tests. Each test
// tells it how to answer the next requests and reads back what the judge sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: a request body as the judge sent it, inspected freely in tests
  body: any;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** The assistant message content (a JSON string for a well-behaved model). */
  content?: string;
  /** A raw body instead of a chat completion (error responses). */
  body?: unknown;
  delayMs?: number;
}

export function completion(content: string, model = 'fake-model') {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_767_225_600,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 8, total_tokens: 108 },
  };
}

export const pick = (intent: string): Reply => ({ content: JSON.stringify({ intent }) });

export async function startFakeOpenAi() {
  const requests: SeenRequest[] = [];
  let reply: (request: SeenRequest) => Reply = () => pick('none');
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body,
      };
      requests.push(seen);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const answer = reply(seen);
      const send = () => {
        if (res.destroyed) return;
        const status = answer.status ?? 200;
        res.writeHead(status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body ?? completion(answer.content ?? '', seen.body?.model)));
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    /** How to answer from now on. */
    answer(next: Reply | ((request: SeenRequest) => Reply)) {
      reply = typeof next === 'function' ? next : () => next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeOpenAi = Awaited<ReturnType<typeof startFakeOpenAi>>;
