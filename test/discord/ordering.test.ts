import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from '../../src/discord/ordering.ts';

/** A task that finishes when told to, recording when it started and ended. */
function deferredTask(log: string[], name: string) {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const task = async () => {
    log.push(`${name} start`);
    await done;
    log.push(`${name} end`);
    return name;
  };
  return { task, finish };
}

describe('one decision at a time per user', () => {
  it("starts a user's second message only after the first is finished", async () => {
    // Two borderline messages from alice: the second is decided knowing what the first did.
    const queue = createKeyedQueue();
    const log: string[] = [];
    const first = deferredTask(log, 'first');
    const second = deferredTask(log, 'second');
    const running = [queue.run('alice', first.task), queue.run('alice', second.task)];
    await Promise.resolve();
    expect(log).toEqual(['first start']);
    first.finish();
    second.finish();
    expect(await Promise.all(running)).toEqual(['first', 'second']);
    expect(log).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('does not make one user wait for another', async () => {
    // bob is answered while alice's question is still with the LLM judge.
    const queue = createKeyedQueue();
    const log: string[] = [];
    const alice = deferredTask(log, 'alice');
    const bob = deferredTask(log, 'bob');
    const running = [queue.run('alice', alice.task), queue.run('bob', bob.task)];
    await Promise.resolve();
    expect(log).toEqual(['alice start', 'bob start']);
    alice.finish();
    bob.finish();
    await Promise.all(running);
  });

  it('goes on with the next message after one fails, and forgets users with nothing pending', async () => {
    // A failure with one message never blocks that user's later messages.
    const queue = createKeyedQueue();
    const failed = queue.run('alice', async () => {
      throw new Error('boom');
    });
    const next = queue.run('alice', async () => 'answered');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('answered');
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.pending).toBe(0);
  });
});
