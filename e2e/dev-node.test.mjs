// polkadot.js against a real DFS dev node: the checks a wallet or dapp relies on.
// Run by `cargo test` (node/tests/it/polkadot_js.rs) with DFS_NODE set to the binary, or by
// hand: DFS_NODE=../target/debug/dfs-node node --test dev-node.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { compactFromU8a, u8aToHex } from '@polkadot/util';

const binary = process.env.DFS_NODE ?? '../target/debug/dfs-node';
let node;
let api;
let log = '';
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = () => keyring.addFromUri('//Alice');
const bob = () => keyring.addFromUri('//Bob');

function startNode() {
  return new Promise((resolve, reject) => {
    node = spawn(binary, ['--dev', '--tmp', '--rpc-port', '0', '--port', '0', '--no-mdns', '--no-prometheus', '--dev-block-time', '1000'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => reject(new Error(`dfs-node did not start:\n${log}`)), 120_000);
    node.stderr.on('data', (chunk) => {
      log += chunk;
      const match = log.match(/Running JSON-RPC server: addr=([0-9.]+:[0-9]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(`ws://${match[1]}`);
      }
    });
    node.on('exit', (code) => reject(new Error(`dfs-node exited with ${code}:\n${log}`)));
  });
}

before(async () => {
  await keyring.setSS58Format(42);
  const url = await startNode();
  api = await ApiPromise.create({ provider: new WsProvider(url), throwOnConnect: true, noInitWarn: true });
});

after(async () => {
  await api?.disconnect();
  node?.kill('SIGTERM');
});

const waitFor = async (check, what, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

test('connects and decodes the metadata', async () => {
  assert.ok(api.isConnected);
  assert.equal(api.runtimeVersion.specName.toString(), 'dfs');
  assert.ok(api.tx.balances.transferKeepAlive, 'balances.transferKeepAlive in the metadata');
  assert.ok(api.query.system.account, 'System.Account in the metadata');
  assert.ok(api.consts.aura.slotDuration.toNumber() > 0);
  assert.ok(api.call.transactionPaymentApi.queryInfo, 'runtime API queryInfo');
});

test('system_chain and system_properties', async () => {
  assert.equal((await api.rpc.system.chain()).toString(), 'Development');
  const properties = await api.rpc.system.properties();
  assert.equal(properties.ss58Format.unwrap().toNumber(), 42);
  assert.equal(properties.tokenSymbol.unwrap()[0].toString(), 'DFS');
  assert.equal(properties.tokenDecimals.unwrap()[0].toNumber(), 12);
  assert.equal((await api.rpc.system.chainType()).toString(), 'Development');
});

test('Alice is endowed', async () => {
  const account = await api.query.system.account(alice().address);
  assert.equal(account.data.free.toBigInt(), 1n << 60n);
});

test('blocks advance and are finalized', async () => {
  const start = (await api.rpc.chain.getHeader()).number.toNumber();
  await waitFor(async () => (await api.rpc.chain.getHeader()).number.toNumber() >= start + 2, 'two new blocks');
  const finalized = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
  assert.ok(finalized.number.toNumber() >= start + 1);
  // The Aura pre-runtime digest and the seal are where polkadot.js looks for them.
  const logs = finalized.digest.logs;
  assert.ok(logs.some((item) => item.isPreRuntime && item.asPreRuntime[0].toString() === 'aura'));
  assert.ok(logs[logs.length - 1].isSeal);
});

test('a transfer: fee estimate, inBlock and finalized with events, exact balances and nonce', async () => {
  const amount = 12_345_000_000_000n;
  const [aliceBefore, bobBefore] = await Promise.all([
    api.query.system.account(alice().address),
    api.query.system.account(bob().address),
  ]);
  const tx = api.tx.balances.transferKeepAlive(bob().address, amount);
  const info = await tx.paymentInfo(alice());
  assert.ok(info.partialFee.toBigInt() > 0n, 'a fee estimate');

  const statuses = [];
  const { blockHash, events } = await new Promise((resolve, reject) => {
    let inBlockEvents;
    tx.signAndSend(alice(), (result) => {
      statuses.push(result.status.type);
      if (result.status.isInBlock) inBlockEvents = result.events;
      if (result.status.isFinalized) resolve({ blockHash: result.status.asFinalized, events: inBlockEvents ?? result.events });
      if (result.isError) reject(new Error(`transaction failed: ${result.status.type}`));
    }).catch(reject);
  });
  assert.ok(statuses.includes('InBlock'), `statuses: ${statuses}`);
  assert.ok(statuses.includes('Finalized'), `statuses: ${statuses}`);
  const names = events.map(({ event }) => `${event.section}.${event.method}`);
  assert.ok(names.includes('system.ExtrinsicSuccess'), names.join(', '));
  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, names.join(', '));
  assert.equal(transfer.event.data.amount.toBigInt(), amount);
  const paid = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
  assert.ok(paid, names.join(', '));
  const fee = paid.event.data.actualFee.toBigInt();

  const apiAt = await api.at(blockHash);
  const [aliceAfter, bobAfter] = await Promise.all([
    apiAt.query.system.account(alice().address),
    apiAt.query.system.account(bob().address),
  ]);
  assert.equal(bobAfter.data.free.toBigInt() - bobBefore.data.free.toBigInt(), amount);
  assert.equal(aliceBefore.data.free.toBigInt() - aliceAfter.data.free.toBigInt(), amount + fee);
  assert.equal(aliceAfter.nonce.toNumber(), aliceBefore.nonce.toNumber() + 1);
  assert.equal((await api.rpc.system.accountNextIndex(alice().address)).toNumber(), aliceAfter.nonce.toNumber());

  // The block holds the extrinsic.
  const block = await api.rpc.chain.getBlock(blockHash);
  const hashes = block.block.extrinsics.map((xt) => xt.hash.toHex());
  assert.ok(hashes.includes(tx.hash.toHex()), 'the block holds the transfer');
});

test('a corrupted signature is rejected with error 1010', async () => {
  const nonce = await api.rpc.system.accountNextIndex(alice().address);
  const tx = await api.tx.balances.transferKeepAlive(bob().address, 1_000_000_000_000n).signAsync(alice(), { nonce });
  const bytes = tx.toU8a();
  // length prefix, version 0x84, address 0x00 ++ 32 bytes, signature type 0x01, signature.
  const [prefixLength] = compactFromU8a(bytes);
  const signatureAt = prefixLength + 1 + 33 + 1;
  assert.equal(bytes[signatureAt - 1], 0x01);
  bytes[signatureAt + 5] ^= 0xff;
  await assert.rejects(api.rpc.author.submitExtrinsic(u8aToHex(bytes)), (error) => {
    assert.match(error.message, /1010/);
    return true;
  });
});

test('a storage subscription is notified on change', async () => {
  const seen = [];
  const unsubscribe = await api.query.system.account(bob().address, (account) => seen.push(account.data.free.toBigInt()));
  await waitFor(() => seen.length >= 1, 'the first notification');
  await api.tx.balances.transferKeepAlive(bob().address, 7_000_000_000_000n).signAndSend(alice(), { nonce: -1 });
  await waitFor(() => seen.length >= 2, 'a notification after the transfer');
  assert.equal(seen[1] - seen[0], 7_000_000_000_000n);
  unsubscribe();
});

test('chain_getBlock and state_getKeysPaged over System.Account', async () => {
  const hash = await api.rpc.chain.getBlockHash(1);
  const block = await api.rpc.chain.getBlock(hash);
  assert.equal(block.block.header.number.toNumber(), 1);
  assert.ok(block.block.extrinsics.length >= 1, 'the timestamp inherent');
  assert.equal(block.block.extrinsics[0].method.section, 'timestamp');

  const prefix = api.query.system.account.keyPrefix();
  const keys = await api.rpc.state.getKeysPaged(prefix, 100, prefix);
  assert.ok(keys.length >= 8, `${keys.length} accounts`);
  const entries = await api.query.system.account.entries();
  const addresses = entries.map(([key]) => key.args[0].toString());
  assert.ok(addresses.includes(alice().address));
  assert.ok(addresses.includes(bob().address));
  // Paging: the second page starts after the first.
  const firstPage = await api.rpc.state.getKeysPaged(prefix, 3, prefix);
  const secondPage = await api.rpc.state.getKeysPaged(prefix, 3, firstPage[2]);
  assert.equal(firstPage.length, 3);
  assert.ok(!secondPage.some((key) => firstPage.some((first) => first.eq(key))));
});
