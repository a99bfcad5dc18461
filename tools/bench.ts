// npm run bench [-- --json] [-- FILE]: speed, memory and answer quality, ours beside the baselines.
// Without FILE it measures on eval/holdout-synthetic.jsonl, which every clone of the repository has.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { type EvalCase, readCases } from '../src/eval/cases.ts';
import { formatReport, runBench } from './bench/run.ts';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_FILE = path.join(REPO_ROOT, 'eval', 'holdout-synthetic.jsonl');

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    `usage: npm run bench -- [--json] [FILE]   (FILE: labeled JSONL; default ${path.relative(process.cwd(), DEFAULT_FILE) || DEFAULT_FILE})`,
  );
  process.exit(0);
}
const json = args.includes('--json');
const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
if (unknown.length) {
  console.error(`unknown option ${unknown.join(', ')}; usage: npm run bench -- [--json] [FILE]`);
  process.exit(2);
}
const file = args.find((a) => !a.startsWith('-')) ?? DEFAULT_FILE;
if (!existsSync(file)) {
  console.error(`bench: no file ${file}; give a labeled JSONL file: npm run bench -- [--json] [FILE]`);
  process.exit(1);
}

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
    trainingFile: config.ok ? config.config.TRAINING_CORPUS : 'eval/train.jsonl',
    progress: (line) => console.error(`bench: ${line}`),
  });
  console.log(formatReport(report, context));
  if (json) console.log(JSON.stringify(report));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
