/**
 * Summarises a V8 .cpuprofile (from BENCH_PROFILE=1): top self-time functions and top files.
 *   node --import tsx bench/gateway/profile-summary.ts <file.cpuprofile> [topN]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [topN]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Self time per node: each sample's following time delta is charged to the sampled node.
const selfUs = new Map<number, number>();
profile.samples.forEach((nodeId, index) => {
  selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
});
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
let idle = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  total += us;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)') idle += us;
  const shortUrl = url.replace(
    /^file:\/\/.*?\/(node_modules\/\.cache\/bastion-bench\/|node_modules\/)/,
    '$1',
  );
  const where = shortUrl ? `${shortUrl}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const fileKey = shortUrl.replace(/^node_modules\/\.cache\/bastion-bench\//, '') || functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}
const busy = total - idle;
const print = (title: string, entries: Map<string, number>): void => {
  process.stdout.write(`\n${title} (share of busy time ${(busy / 1e6).toFixed(2)} s)\n`);
  [...entries]
    .filter(([key]) => !key.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([key, us]) => process.stdout.write(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}\n`));
};
print('Top self time by function', byFunction);
print('Top self time by file', byFile);

// Native frames (writev, writeString...) say little alone: show which JS functions call them.
const parentOf = new Map<number, ProfileNode>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
const nativeNames = (process.env.PROFILE_CALLERS ?? 'writev,writeString,randomFillSync').split(',');
for (const name of nativeNames) {
  const callers = new Map<string, number>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== name) continue;
    // Walk up to the first frame from Bastion's own code, else the first JS frame with a URL.
    let cursor = parentOf.get(node.id);
    let label = '(root)';
    while (cursor) {
      const { functionName, url, lineNumber } = cursor.callFrame;
      if (url.includes('bastion-bench/src/')) {
        label = `${functionName || '(anonymous)'} ${url.replace(/^.*bastion-bench\//, '')}:${lineNumber + 1}`;
        break;
      }
      cursor = parentOf.get(cursor.id);
    }
    callers.set(label, (callers.get(label) ?? 0) + (selfUs.get(node.id) ?? 0));
  }
  print(`Callers (first Bastion frame) of ${name}`, callers);
}
