// Keystore interop with ethers (another implementation of Web3 Secret Storage).
//
//   node ethers_keystore.cjs encrypt OUT   writes the key in $KEYSTORE_TEST_KEY (hex), encrypted with
//                                          ethers' Wallet.encrypt (its default scrypt, N=2^17), to OUT
//   node ethers_keystore.cjs decrypt FILE  decrypts FILE with ethers and prints its address
//
// The passphrase is read from $KEYSTORE_TEST_PASSWORD, never from argv. Run with
// NODE_PATH pointing at a node_modules holding ethers 6 (tools/node_modules).
"use strict";
const fs = require("fs");
const { Wallet } = require("ethers");

async function main() {
  const [mode, path] = process.argv.slice(2);
  const password = process.env.KEYSTORE_TEST_PASSWORD;
  if (!mode || !path || password === undefined) {
    throw new Error("usage: KEYSTORE_TEST_PASSWORD=… node ethers_keystore.cjs encrypt|decrypt FILE");
  }
  if (mode === "encrypt") {
    const w = new Wallet(process.env.KEYSTORE_TEST_KEY);
    fs.writeFileSync(path, await w.encrypt(password), { mode: 0o600 });
    console.log(w.address);
  } else if (mode === "decrypt") {
    const w = await Wallet.fromEncryptedJson(fs.readFileSync(path, "utf8"), password);
    console.log(w.address);
  } else {
    throw new Error("unknown mode " + mode);
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
