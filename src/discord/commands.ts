// What every module in commands/ exports, the context commands run with, and the loader that
// imports every module in that folder (adding a command is adding a file).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type InteractionReplyOptions,
  type MessageContextMenuCommandInteraction,
  MessageFlags,
  PermissionFlagsBits,
  type RESTPostAPIApplicationCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config.ts';
import type { LiveKnowledge } from '../knowledge/live.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { NO_MENTIONS } from './mentions.ts';

/** What a command may use; the same object for every interaction. */
export interface CommandContext {
  store: Store;
  knowledge: LiveKnowledge;
  config: Config;
  logger: Logger;
}

export interface Command {
  /** A SlashCommandBuilder (anything with a name and the registration JSON). */
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<unknown>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: CommandContext): Promise<unknown>;
}

/**
 * A message context-menu command (Apps → on a message). The loader keeps it in the same registry
 * as the slash commands; src/discord/teaching.ts tells them apart by `data.toJSON().type`.
 */
export interface MessageCommand {
  /** A ContextMenuCommandBuilder of type Message. */
  data: { name: string; toJSON(): RESTPostAPIContextMenuApplicationCommandsJSONBody };
  execute(interaction: MessageContextMenuCommandInteraction, ctx: CommandContext): Promise<unknown>;
}

export type CommandRegistry = ReadonlyMap<string, Command>;

/** The permission that makes someone a moderator for the bot. */
export const MODERATOR_PERMISSION = PermissionFlagsBits.ManageMessages;

export const COMMANDS_DIR = fileURLToPath(new URL('../../commands/', import.meta.url));

/** Every command answers privately and never pings anyone. */
export function privately(content: string): InteractionReplyOptions & { flags: MessageFlags.Ephemeral } {
  return { content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS };
}

/** The default member permissions a command was registered with, if any. */
export function requiredPermissions(command: {
  data: { toJSON(): RESTPostAPIApplicationCommandsJSONBody };
}): bigint | undefined {
  const value = command.data.toJSON().default_member_permissions;
  return value === undefined || value === null ? undefined : BigInt(value);
}

function isCommand(value: unknown): value is Command {
  const candidate = value as Partial<Command> | undefined;
  return (
    typeof candidate?.execute === 'function' &&
    typeof candidate.data?.name === 'string' &&
    typeof candidate.data.toJSON === 'function'
  );
}

/** Imports every module in `dir`; fails with every problem listed (a bad module, a duplicate name). */
export async function loadCommands(dir: string = COMMANDS_DIR): Promise<CommandRegistry> {
  const files = readdirSync(dir)
    .filter((name) => /\.(?:ts|js|mjs)$/.test(name) && !/\.(?:test|d)\.ts$/.test(name))
    .filter((name) => !name.startsWith('_'))
    .sort();
  const commands = new Map<string, Command>();
  const problems: string[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
    const command = module.default;
    if (!isCommand(command)) {
      problems.push(`${file}: must export default { data: SlashCommandBuilder, execute(interaction, ctx) }`);
      continue;
    }
    if (commands.has(command.data.name)) {
      problems.push(`${file}: another module already defines /${command.data.name}`);
      continue;
    }
    commands.set(command.data.name, command);
  }
  if (problems.length) throw new Error(`commands/ has problems:\n  - ${problems.join('\n  - ')}`);
  return commands;
}
