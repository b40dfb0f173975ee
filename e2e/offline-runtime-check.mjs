// Checks the DFS runtime with polkadot.js, offline: decodes its metadata (V14 and V15) with
// @polkadot/types and signs a balances.transferKeepAlive with @polkadot/keyring //Alice the
// way @polkadot/api does. Reads a JSON file the Rust test writes; prints one JSON line.
//
// usage: node offline-runtime-check.mjs <input.json>
//   input: { metadataV14, metadataV15, genesisHash, specVersion, transactionVersion, dest, amount }

import { readFileSync } from 'node:fs';
import { Metadata, TypeRegistry, expandMetadata } from '@polkadot/types';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

function fail(message) {
  console.error(`offline check failed: ${message}`);
  process.exit(1);
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
await cryptoWaitReady();

// Both metadata versions decode, and describe the same pallets.
const decoded = {};
for (const [key, version] of [['metadataV14', 14], ['metadataV15', 15]]) {
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, input[key]);
  if (metadata.version !== version) fail(`${key} decoded as version ${metadata.version}`);
  registry.setMetadata(metadata);
  // The metadata as sent (V14 or V15), not polkadot.js's conversion to its latest form.
  const sent = version === 14 ? metadata.asV14 : metadata.asV15;
  decoded[version] = {
    pallets: sent.pallets.map((p) => p.name.toString()),
    signedExtensions: sent.extrinsic.signedExtensions.map((e) => e.identifier.toString()),
    apis: version === 15 ? sent.apis.map((a) => a.name.toString()) : [],
    calls: sent.pallets
      .filter((p) => p.calls.isSome)
      .flatMap((p) => registry.lookup.getSiType(p.calls.unwrap().type).def.asVariant.variants.map((v) => `${p.name}.${v.name}`)),
  };
}
if (JSON.stringify(decoded[14].pallets) !== JSON.stringify(decoded[15].pallets)) fail('V14 and V15 list different pallets');

// A transfer built from the metadata and signed by //Alice, as @polkadot/api signs.
const registry = new TypeRegistry();
const metadata = new Metadata(registry, input.metadataV15);
registry.setMetadata(metadata);
const { tx } = expandMetadata(registry, metadata);
const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
const call = tx.balances.transferKeepAlive(input.dest, input.amount);
const extrinsic = registry.createType('Extrinsic', call, { version: 4 });
extrinsic.sign(alice, {
  blockHash: input.genesisHash,
  genesisHash: input.genesisHash,
  era: registry.createType('ExtrinsicEra', new Uint8Array([0])),
  nonce: 0,
  tip: 0,
  runtimeVersion: { specVersion: input.specVersion, transactionVersion: input.transactionVersion },
  signedExtensions: registry.signedExtensions,
});

console.log(JSON.stringify({
  extrinsic: extrinsic.toHex(),
  signer: alice.address,
  pallets: decoded[15].pallets,
  signedExtensions: decoded[15].signedExtensions,
  apis: decoded[15].apis,
  calls: decoded[14].calls.length,
}));
