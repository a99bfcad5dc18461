// Registers the slash commands with Discord: in one server when a guild id is given (instant,
// for testing and single-server bots), else globally (every server the bot is in).
import { REST, Routes } from 'discord.js';
import type { CommandRegistry } from './commands.ts';

export interface DeployOptions {
  token: string;
  commands: CommandRegistry;
  guildId?: string;
  /** discord.js `rest.api`: the REST base URL without the version. */
  apiUrl?: string;
}

export interface DeployResult {
  applicationId: string;
  scope: 'guild' | 'global';
  names: string[];
}

export async function deployCommands({
  token,
  commands,
  guildId,
  apiUrl,
}: DeployOptions): Promise<DeployResult> {
  const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
  const application = (await rest.get(Routes.currentApplication())) as { id: string };
  const body = [...commands.values()].map((command) => command.data.toJSON());
  // PUT replaces the whole set: commands removed from commands/ disappear from Discord too.
  const route = guildId
    ? Routes.applicationGuildCommands(application.id, guildId)
    : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body })) as { name: string }[];
  return {
    applicationId: application.id,
    scope: guildId ? 'guild' : 'global',
    names: registered.map((command) => command.name),
  };
}
