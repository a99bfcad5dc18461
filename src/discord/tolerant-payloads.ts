// Discord-compatible servers (and Discord itself, now and then) send optional fields as null where
// discord.js expects them absent. discord.js builds its objects inside the gateway's event handler,
// before any of the bot's code runs, so a crash there is an unhandled rejection nobody can catch.
// The raw packet is handed to listeners first, as the very object discord.js then reads: dropping
// those nulls here keeps them out of discord.js.
import type { EventEmitter } from 'node:events';
import type { Client } from 'discord.js';

/** Optional message fields discord.js reads as objects when present (`thread: null` crashes it). */
const OPTIONAL_MESSAGE_OBJECTS = ['thread', 'referenced_message_thread', 'interaction_metadata', 'poll'];

type Packet = { t?: string | null; d?: unknown };
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

function dropNullObjects(message: unknown): void {
  if (!isObject(message)) return;
  for (const field of OPTIONAL_MESSAGE_OBJECTS) if (message[field] === null) delete message[field];
}

/** Cleans one gateway packet in place; returns it for tests. */
export function tolerateNulls(packet: Packet): Packet {
  const data = packet.d;
  if (!isObject(data)) return packet;
  if (packet.t === 'MESSAGE_CREATE' || packet.t === 'MESSAGE_UPDATE') {
    dropNullObjects(data);
    dropNullObjects(data.referenced_message);
  } else if (packet.t === 'INTERACTION_CREATE') {
    dropNullObjects(data.message);
    if (data.channel === null) delete data.channel;
  }
  return packet;
}

export function attachPayloadTolerance(client: Client): void {
  // 'raw' is not in discord.js's typed event map, though emitted and documented as Client#raw.
  (client as unknown as EventEmitter).on('raw', (packet: Packet) => {
    tolerateNulls(packet);
  });
}
