// Independent C2PA check for genmint's tests: reads images with
// @trustnxt/c2pa-ts (tools/node_modules) and prints one JSON line per file.
//
//   node c2pa-ts.mjs TOOLS_DIR validate FILE...
//   node c2pa-ts.mjs TOOLS_DIR sign IN OUT CERT_CHAIN_PEM KEY_PKCS8_PEM
//
// validate: {file, found, valid, errors, codes, actions, ingredients}
// sign: makes an "upstream provider" image: a c2pa.created action with
// digitalSourceType trainedAlgorithmicMedia, signed by the given key.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const [toolsDir, mode, ...args] = process.argv.slice(2);
const pkg = path.join(toolsDir, 'node_modules', '@trustnxt', 'c2pa-ts', 'dist');
const load = (sub) => import(pathToFileURL(path.join(pkg, sub, 'index.js')).href);
const { JPEG, PNG } = await load('asset');
const { SuperBox } = await load('jumbf');
const M = await load('manifest');

function openAsset(buf) {
    if (JPEG.canRead(buf)) return new JPEG(buf);
    if (PNG.canRead(buf)) return new PNG(buf);
    throw new Error('not a png or jpeg');
}

async function validate(file) {
    const buf = new Uint8Array(await fs.readFile(file));
    const out = { file, found: false, valid: false, errors: [], codes: [], actions: [], ingredients: [] };
    const asset = openAsset(buf);
    const jumbf = asset.getManifestJUMBF();
    if (!jumbf) return out;
    out.found = true;
    let result;
    try {
        const store = M.ManifestStore.read(SuperBox.fromBuffer(jumbf));
        const active = store.getActiveManifest();
        out.manifests = store.manifests.map((m) => m.label);
        out.active = active?.label;
        for (const a of active?.assertions?.assertions ?? []) {
            if (a instanceof M.ActionAssertion) {
                for (const act of a.actions) {
                    out.actions.push({ action: act.action, digitalSourceType: act.digitalSourceType, parameters: act.parameters ? Object.keys(act.parameters) : [] });
                }
            }
            if (a instanceof M.IngredientAssertion) {
                out.ingredients.push({ relationship: a.relationship, title: a.title, activeManifest: a.activeManifest?.uri });
            }
        }
        result = await store.validate(asset);
    } catch (e) {
        result = M.ValidationResult.fromError(e);
    }
    out.valid = result.isValid;
    out.codes = result.statusEntries.map((e) => e.code);
    out.errors = result.statusEntries.filter((e) => !e.success).map((e) => `${e.code}${e.explanation ? ': ' + e.explanation : ''}`);
    return out;
}

async function sign(inFile, outFile, chainFile, keyFile) {
    const { X509Certificate } = await import(pathToFileURL(path.join(toolsDir, 'node_modules', '@peculiar', 'x509', 'build', 'x509.es.js')).href);
    const buf = new Uint8Array(await fs.readFile(inFile));
    const asset = openAsset(buf);
    const pems = (await fs.readFile(chainFile, 'utf8')).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
    const certs = pems.map((p) => new X509Certificate(p));
    const keyPem = await fs.readFile(keyFile, 'utf8');
    const der = Buffer.from(keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const { LocalSigner } = await load('cose');
    const signer = new LocalSigner(new Uint8Array(der), (await load('cose')).CoseAlgorithmIdentifier.ES256, certs[0], certs.slice(1));
    const store = new M.ManifestStore();
    const manifest = store.createManifest({
        claimVersion: M.ClaimVersion.V2,
        assetFormat: asset.mimeType,
        instanceID: 'xmp:iid:upstream-' + Date.now(),
        defaultHashAlgorithm: 'SHA-256',
        signer,
    });
    const dataHash = M.DataHashAssertion.create('SHA-256');
    manifest.addAssertion(dataHash);
    const actions = new M.ActionAssertion();
    actions.actions.push({ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', softwareAgent: { name: 'upstream-image-model' } });
    manifest.addAssertion(actions);
    await asset.ensureManifestSpace(store.measureSize());
    await dataHash.updateWithAsset(asset);
    await manifest.sign(signer);
    await asset.writeManifestJUMBF(store.getBytes());
    await fs.writeFile(outFile, await asset.getDataRange());
    return { file: outFile, signed: true };
}

if (mode === 'validate') {
    for (const f of args) console.log(JSON.stringify(await validate(f)));
} else if (mode === 'sign') {
    console.log(JSON.stringify(await sign(...args)));
} else {
    console.error('usage: c2pa-ts.mjs TOOLS_DIR validate FILE... | sign IN OUT CHAIN KEY');
    process.exit(2);
}
