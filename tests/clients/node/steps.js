#!/usr/bin/env node
// Drives one Node.js Alibaba Cloud client through the key pair steps against a server.
//
//   node steps.js CLIENT ENDPOINT [ACCESS_KEY_ID ACCESS_KEY_SECRET]
//
// CLIENT is one of CLIENTS below. ENDPOINT is http://host:port. Without credentials the
// script signs with placeholder ones (the server is expected not to check signatures) and
// skips the wrong-secret step. PUBLIC_KEY (an OpenSSH public key line) and FINGERPRINT (its
// MD5 fingerprint, colon-separated hex) come from the environment; PREFIX (default: CLIENT)
// starts every key pair name, so runs against one server do not collide.
//
// Prints one JSON line per step: {"step", "ok", "status", "code", "detail"}; the steps
// are the ones tests/clients/steps.py names (the Python SDK tests' steps). Exits 0 once
// every step ran, whatever their outcome: the caller judges the lines.
'use strict';

const REGION = 'cn-hangzhou';
const VERSION = '2014-05-26';
const TAG = { key: 'team', value: 'conformance' };

// -- clients: each exposes call(action, params) -> {status, body} or throws {status, code} --

function teaClient(packageName, signatureAlgorithm) {
  return (endpoint, accessKeyId, accessKeySecret) => {
    const ecs = require(packageName);
    const Client = ecs.default;
    const openapi = packageName === 'ecs7' ? require('@alicloud/openapi-core').$OpenApiUtil : require('@alicloud/openapi-client');
    const url = new URL(endpoint);
    const config = new openapi.Config({
      accessKeyId,
      accessKeySecret,
      regionId: REGION,
      endpoint: url.host,
      protocol: url.protocol.replace(':', '').toUpperCase(),
    });
    if (signatureAlgorithm) config.signatureAlgorithm = signatureAlgorithm;
    const client = new Client(config);
    const runtime = () => (packageName === 'ecs7' ? new (require('@darabonba/typescript').RuntimeOptions)({ autoretry: false }) : new (require('@alicloud/tea-util').RuntimeOptions)({ autoretry: false }));
    const build = {
      ImportKeyPair: (p) => new ecs.ImportKeyPairRequest({
        regionId: p.RegionId,
        keyPairName: p.KeyPairName,
        publicKeyBody: p.PublicKeyBody,
        tag: (p.Tag || []).map((t) => new ecs.ImportKeyPairRequestTag(t)),
      }),
      DescribeKeyPairs: (p) => new ecs.DescribeKeyPairsRequest({
        regionId: p.RegionId,
        keyPairName: p.KeyPairName,
        pageNumber: p.PageNumber,
        pageSize: p.PageSize,
        includePublicKey: p.IncludePublicKey,
      }),
      DeleteKeyPairs: (p) => new ecs.DeleteKeyPairsRequest({ regionId: p.RegionId, keyPairNames: p.KeyPairNames }),
    };
    const method = { ImportKeyPair: 'importKeyPairWithOptions', DescribeKeyPairs: 'describeKeyPairsWithOptions', DeleteKeyPairs: 'deleteKeyPairsWithOptions' };
    return async (action, params) => {
      try {
        const resp = await client[method[action]](build[action](params), runtime());
        // toMap() gives the wire names (KeyPairName, KeyPairs.KeyPair[].Tags.Tag[] ...).
        return { status: resp.statusCode, body: resp.body.toMap() };
      } catch (err) {
        const status = err.statusCode || (err.data && (err.data.statusCode || err.data.httpCode));
        throw { status: status === undefined ? null : Number(status), code: err.code || null, message: String(err.message || err) };
      }
    };
  };
}

function popClient(method) {
  return (endpoint, accessKeyId, accessKeySecret) => {
    const RPCClient = require('@alicloud/pop-core').RPCClient;
    const client = new RPCClient({ accessKeyId, accessKeySecret, endpoint, apiVersion: VERSION }, true);
    return async (action, params) => {
      const flat = {};
      for (const [key, value] of Object.entries(params)) {
        if (key === 'Tag') {
          value.forEach((t, i) => {
            flat[`Tag.${i + 1}.Key`] = t.key;
            flat[`Tag.${i + 1}.Value`] = t.value;
          });
        } else if (value !== undefined) {
          flat[key] = String(value);
        }
      }
      try {
        const [body, entry] = await client.request(action, flat, { method, timeout: 10000 });
        return { status: entry.response.statusCode, body };
      } catch (err) {
        const status = err.entry && err.entry.response ? err.entry.response.statusCode : null;
        throw { status, code: err.code || null, message: String(err.message || err) };
      }
    };
  };
}

const CLIENTS = {
  'ecs7-v3': teaClient('ecs7', null),
  'ecs7-v2': teaClient('ecs7', 'v2'),
  'ecs4-v3': teaClient('ecs4', null),
  'ecs4-v2': teaClient('ecs4', 'v2'),
  'pop-get': popClient('GET'),
  'pop-post': popClient('POST'),
};

// -- steps --------------------------------------------------------------------------------

class StepFailed extends Error {
  constructor(detail, status, code) {
    super(detail);
    this.status = status === undefined ? null : status;
    this.code = code === undefined ? null : code;
  }
}

function check(condition, detail) {
  if (!condition) throw new StepFailed(detail);
}

async function expectOk(call, action, params) {
  try {
    return await call(action, params);
  } catch (err) {
    if (err instanceof Error) throw err;
    throw new StepFailed(`${action} failed: ${err.message}`, err.status, err.code);
  }
}

async function expectError(call, action, params, status, code) {
  let answer;
  try {
    answer = await call(action, params);
  } catch (err) {
    if (err instanceof Error) throw err;
    if (err.status !== status || err.code !== code) {
      throw new StepFailed(`expected ${status} ${code}, got ${err.status} ${err.code}: ${err.message}`, err.status, err.code);
    }
    return err;
  }
  throw new StepFailed(`expected ${status} ${code}, got success ${JSON.stringify(answer.body)}`, answer.status, null);
}

function tagsOf(item) {
  const tags = (item.Tags && item.Tags.Tag) || [];
  return tags.map((t) => [t.TagKey, t.TagValue]);
}

async function run(clientId, endpoint, accessKeyId, accessKeySecret) {
  const make = CLIENTS[clientId];
  if (!make) throw new Error(`unknown client ${clientId}; known: ${Object.keys(CLIENTS).join(', ')}`);
  const signed = Boolean(accessKeyId);
  const call = make(endpoint, accessKeyId || 'unsigned-id', accessKeySecret || 'unsigned-secret');
  const publicKey = process.env.PUBLIC_KEY;
  const fingerprint = process.env.FINGERPRINT;
  if (!publicKey || !fingerprint) throw new Error('PUBLIC_KEY and FINGERPRINT must be set');
  const prefix = process.env.PREFIX || clientId;
  const name = `${prefix}-Key:1`;
  const pages = [1, 2, 3].map((i) => `${prefix}-page-${i}`);
  const importParams = (keyName, tags) => ({ RegionId: REGION, KeyPairName: keyName, PublicKeyBody: publicKey, Tag: tags });
  const describe = (params) => expectOk(call, 'DescribeKeyPairs', { RegionId: REGION, ...params });

  const steps = [
    ['import', async () => {
      const r = await expectOk(call, 'ImportKeyPair', importParams(name, [TAG]));
      check(r.status === 200, `status ${r.status}`);
      check(r.body.KeyPairName === name, `KeyPairName ${r.body.KeyPairName}`);
      check(r.body.KeyPairFingerPrint === fingerprint, `fingerprint ${r.body.KeyPairFingerPrint} != ${fingerprint}`);
      check(Boolean(r.body.RequestId), 'no RequestId');
      return r;
    }],
    ['duplicate', async () => expectError(call, 'ImportKeyPair', importParams(name, []), 400, 'KeyPair.AlreadyExist')],
    ['bad_name', async () => expectError(call, 'ImportKeyPair', importParams('1-starts-with-digit', []), 400, 'InvalidKeyPairName.Malformed')],
    ['describe', async () => {
      const r = await describe({ KeyPairName: name, IncludePublicKey: true });
      check(r.body.TotalCount === 1, `TotalCount ${r.body.TotalCount}`);
      const item = r.body.KeyPairs.KeyPair[0];
      check(item.KeyPairName === name, `KeyPairName ${item.KeyPairName}`);
      check(item.KeyPairFingerPrint === fingerprint, `fingerprint ${item.KeyPairFingerPrint}`);
      check(JSON.stringify(tagsOf(item)) === JSON.stringify([[TAG.key, TAG.value]]), `tags ${JSON.stringify(tagsOf(item))}`);
      return r;
    }],
    ['pagination', async () => {
      for (const page of pages) await expectOk(call, 'ImportKeyPair', importParams(page, []));
      const first = await describe({ KeyPairName: `${prefix}-page-*`, PageSize: 2, PageNumber: 1 });
      const second = await describe({ KeyPairName: `${prefix}-page-*`, PageSize: 2, PageNumber: 2 });
      check(first.body.TotalCount === 3 && second.body.TotalCount === 3, `TotalCount ${first.body.TotalCount}/${second.body.TotalCount}`);
      check(first.body.PageSize === 2 && first.body.PageNumber === 1 && second.body.PageNumber === 2, 'PageSize/PageNumber not echoed');
      const seen = [...first.body.KeyPairs.KeyPair, ...second.body.KeyPairs.KeyPair].map((k) => k.KeyPairName);
      check(first.body.KeyPairs.KeyPair.length === 2 && seen.length === 3, `page sizes ${seen.length}`);
      check(JSON.stringify([...seen].sort()) === JSON.stringify([...pages].sort()), `names ${seen}`);
      return second;
    }],
    ['delete', async () => {
      const r = await expectOk(call, 'DeleteKeyPairs', { RegionId: REGION, KeyPairNames: JSON.stringify([name, ...pages]) });
      check(r.status === 200 && Boolean(r.body.RequestId), `status ${r.status}`);
      const after = await describe({ KeyPairName: name });
      check(after.body.TotalCount === 0, `TotalCount after delete ${after.body.TotalCount}`);
      return r;
    }],
    ['reimport', async () => {
      const r = await expectOk(call, 'ImportKeyPair', importParams(name, []));
      check(r.body.KeyPairFingerPrint === fingerprint, `fingerprint ${r.body.KeyPairFingerPrint}`);
      await expectOk(call, 'DeleteKeyPairs', { RegionId: REGION, KeyPairNames: JSON.stringify([name]) });
      return r;
    }],
  ];
  if (signed) {
    const wrong = make(endpoint, accessKeyId, `${accessKeySecret}-wrong`);
    steps.push(['wrong_secret', async () => expectError(wrong, 'DescribeKeyPairs', { RegionId: REGION }, 400, 'SignatureDoesNotMatch')]);
  }

  for (const [step, body] of steps) {
    const started = Date.now();
    let line;
    try {
      const r = await body();
      line = { step, ok: true, status: r.status === undefined ? null : r.status, code: r.code || null, detail: '' };
    } catch (err) {
      const failed = err instanceof StepFailed ? err : new StepFailed(`${err && err.stack ? err.stack : err}`);
      line = { step, ok: false, status: failed.status, code: failed.code, detail: failed.message };
    }
    line.ms = Date.now() - started;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

const [clientId, endpoint, accessKeyId, accessKeySecret] = process.argv.slice(2);
run(clientId, endpoint, accessKeyId || process.env.ACCESS_KEY_ID, accessKeySecret || process.env.ACCESS_KEY_SECRET)
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  });
