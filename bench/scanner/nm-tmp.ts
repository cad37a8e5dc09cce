import { scanPaths } from '/work/main/src/detect/secrets/index.js';
const t = performance.now();
const r = await scanPaths({ paths: ['node_modules'], cwd: '/work/main', includeNodeModules: true });
console.log(r.filesScanned, (r.bytesScanned/1e6).toFixed(1), 'MB', ((performance.now()-t)/1000).toFixed(1), 's', r.findings.length);
for (const f of r.findings.slice(0, 80)) console.log(f.file, f.line, f.column, f.ruleId, f.masked);
