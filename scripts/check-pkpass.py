#!/usr/bin/env python3
# An independent check of a .pkpass (Python zipfile/hashlib and the openssl command, none of our code):
# zip layout, manifest SHA-1s, detached CMS signature verifying to CA_PEM with both certificates embedded,
# signer subject UID/OU matching passTypeIdentifier/teamIdentifier, signing time, SHA-256, basic pass.json rules.
# usage: scripts/check-pkpass.py FILE.pkpass CA_PEM      prints OK or FAIL with the problems; exit 1 on FAIL
import hashlib, json, subprocess, sys, tempfile, zipfile, os, re
path, ca = sys.argv[1], sys.argv[2]
errs = []
z = zipfile.ZipFile(path)
names = z.namelist()
for n in ("pass.json", "manifest.json", "signature"):
    if n not in names: errs.append(f"missing {n}")
if any(n.startswith("/") or ".." in n.split("/") for n in names): errs.append("bad path")
manifest = json.loads(z.read("manifest.json"))
files = [n for n in names if n not in ("manifest.json", "signature") and not n.endswith("/")]
if sorted(manifest) != sorted(files): errs.append(f"manifest lists {sorted(set(manifest)^set(files))} differently")
for n in files:
    if manifest.get(n) != hashlib.sha1(z.read(n)).hexdigest(): errs.append(f"hash mismatch {n}")
d = tempfile.mkdtemp()
open(f"{d}/manifest.json","wb").write(z.read("manifest.json"))
open(f"{d}/signature","wb").write(z.read("signature"))
r = subprocess.run(["openssl","cms","-verify","-binary","-inform","DER","-in",f"{d}/signature","-content",f"{d}/manifest.json","-CAfile",ca,"-purpose","any","-out","/dev/null"],capture_output=True,text=True)
if r.returncode != 0 or "Verification successful" not in r.stderr: errs.append("cms verify: "+r.stderr.strip())
pr = subprocess.run(["openssl","cms","-cmsout","-print","-inform","DER","-in",f"{d}/signature"],capture_output=True,text=True).stdout
if "signingTime" not in pr: errs.append("no signingTime")
if "sha256" not in pr: errs.append("digest not sha256")
certs = subprocess.run(f"openssl pkcs7 -inform DER -in {d}/signature -print_certs",shell=True,capture_output=True,text=True).stdout
subjects = re.findall(r"subject=(.*)", certs)
if len(subjects) < 2: errs.append(f"{len(subjects)} certificates embedded")
p = json.loads(z.read("pass.json"))
signer = [s for s in subjects if "UID" in s or "userId" in s]
if not signer or p["passTypeIdentifier"] not in signer[0]: errs.append(f"signer subject {signer} does not carry {p['passTypeIdentifier']}")
if not signer or ("OU = "+p["teamIdentifier"]) not in signer[0].replace("OU=","OU = "): errs.append(f"signer OU != {p['teamIdentifier']}")
styles = [k for k in ("eventTicket","boardingPass","coupon","generic","storeCard") if k in p]
if len(styles) != 1: errs.append(f"styles {styles}")
for k in ("formatVersion","passTypeIdentifier","serialNumber","teamIdentifier","organizationName","description"):
    if k not in p: errs.append(f"pass.json lacks {k}")
if p.get("formatVersion") != 1: errs.append("formatVersion")
if not any(n in names for n in ("icon.png","icon@2x.png","icon@3x.png")): errs.append("no icon")
if "webServiceURL" in p and len(p.get("authenticationToken","")) < 16: errs.append("token")
print(("OK " if not errs else "FAIL ") + f"{os.path.basename(path)} style={styles} files={len(files)} certs={len(subjects)} " + "; ".join(errs))
sys.exit(1 if errs else 0)
