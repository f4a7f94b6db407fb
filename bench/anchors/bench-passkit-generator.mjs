// Side-by-side anchor: how many signed .pkpass files passkit-generator makes per
// second from the fixture model, one process, one thread (node's event loop).
// usage: node bench-passkit-generator.mjs [count] [modelDir]
import { PKPass } from "passkit-generator";
import fs from "node:fs";
import path from "node:path";
const here = path.dirname(new URL(import.meta.url).pathname);
const n = Number(process.argv[2] ?? 200);
const model = process.argv[3] ?? path.join(here, "../../samples/models/event.pass");
const certDir = process.env.CERTS ?? path.join(process.cwd(), "certs");
const certs = {
  wwdr: fs.readFileSync(path.join(certDir, "wwdr.pem")),
  signerCert: fs.readFileSync(path.join(certDir, "pass.pem")),
  signerKey: fs.readFileSync(path.join(certDir, "pass.key")),
};
// Fair use: the model's files are read once, as a server would keep a template.
const buffers = Object.fromEntries(fs.readdirSync(model, { recursive: true })
  .filter((f) => fs.statSync(path.join(model, f)).isFile())
  .map((f) => [f, fs.readFileSync(path.join(model, f))]));
async function one(i) {
  const pass = new PKPass(buffers, certs, { serialNumber: `SN-${i}` });
  pass.setBarcodes(`SN-${i}`);
  return pass.getAsBuffer();
}
await one(-1); // warm-up
const t0 = process.hrtime.bigint();
let bytes = 0;
for (let i = 0; i < n; i++) bytes += (await one(i)).length;
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`passkit-generator: ${n} passes in ${s.toFixed(2)} s = ${(n / s).toFixed(1)} passes/s, avg ${(bytes / n / 1024).toFixed(0)} KiB`);
