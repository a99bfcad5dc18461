// npm run deploy-commands: registers every command in commands/ with Discord. Guild-scoped when
// DISCORD_GUILD_ID is set, else global.

import { ApplicationCommandType } from 'discord.js';
import { loadCommands } from '../discord/commands.ts';
import { deployCommands } from '../discord/deploy.ts';
import { configOrExit, fail } from './exit.ts';

const config = configOrExit();
if (!config.DISCORD_TOKEN) {
  fail([
    'DISCORD_TOKEN is not set: deploying commands needs the bot token (see README.md).',
    'Set DISCORD_GUILD_ID too to register them in one server only.',
  ]);
}

try {
  const commands = await loadCommands();
  const result = await deployCommands({
    token: config.DISCORD_TOKEN,
    commands,
    guildId: config.DISCORD_GUILD_ID,
    apiUrl: config.DISCORD_API_URL,
  });
  const where =
    result.scope === 'guild'
      ? `in server ${config.DISCORD_GUILD_ID}`
      : 'globally (every server the bot is in)';
  // Message context menus ("Answer with…") show in the Apps menu of a message, not after a slash.
  const isMenu = (name: string) =>
    (commands.get(name)?.data.toJSON() as { type?: number } | undefined)?.type ===
    ApplicationCommandType.Message;
  const slash = result.names.filter((name) => !isMenu(name)).map((name) => `/${name}`);
  const menus = result.names.filter(isMenu);
  console.log(
    `Registered ${result.names.length} commands ${where}: ${slash.join(', ')}` +
      (menus.length ? `; on messages (Apps menu): ${menus.join(', ')}` : ''),
  );
} catch (error) {
  // discord.js errors carry the HTTP status and Discord's message, never the token.
  fail([`Could not register the commands: ${(error as Error).message}`]);
}
