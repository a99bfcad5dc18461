// npm run bench [-- --json] [-- FILE]: speed, memory and answer quality, ours beside the baselines.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReport, runBench } from '../bench/run.ts';
import { loadConfig } from '../config.ts';
import { type EvalCase, readCases } from '../eval/cases.ts';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_FILE = path.resolve(REPO_ROOT, '../shared/eval/dev.jsonl');

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run bench -- [--json] [FILE]   (FILE: labeled JSONL; default ${DEFAULT_FILE})`);
  process.exit(0);
}
const json = args.includes('--json');
const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
if (unknown.length) {
  console.error(`unknown option ${unknown.join(', ')}; usage: npm run bench -- [--json] [FILE]`);
  process.exit(2);
}
const file = args.find((a) => !a.startsWith('-')) ?? DEFAULT_FILE;

const config = loadConfig();
const knowledgeDir = config.ok ? config.config.KNOWLEDGE_DIR : 'knowledge';
let cases: EvalCase[];
try {
  cases = readCases(file);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

try {
  const { report, context } = await runBench({
    cases,
    file: path.relative(process.cwd(), file) || file,
    knowledgeDir,
    progress: (line) => console.error(`bench: ${line}`),
  });
  console.log(formatReport(report, context));
  if (json) console.log(JSON.stringify(report));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
