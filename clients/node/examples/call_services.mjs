// Calls each retail support service from Node.js with @grpc/grpc-js, the protos loaded at
// run time from protos/ (nothing generated), and prints what it saw as one JSON object:
//
//   node examples/call_services.mjs --returns localhost:50051 --triage localhost:50052 \
//     --translation localhost:50053
//
// It shows the four things a client needs: a call to each service, a failed call's
// google.rpc.Status details (BadRequest field violations, ErrorInfo) decoded from the
// grpc-status-details-bin trailer, and the services listed over reflection v1.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const PROTOS = path.resolve(here, "../../../protos");
// The reflection protocol's own proto ships with grpc-node's @grpc/reflection package.
const REFLECTION_PROTOS = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@grpc/reflection/package.json")),
  "build/proto",
);

const API_FILES = [
  "retail/returns_decision/v1/returns_decision.proto",
  "retail/triage/v1/triage.proto",
  "retail/translation/v1/translation.proto",
];
const LOAD_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

const { values: targets } = parseArgs({
  options: {
    returns: { type: "string", default: "localhost:50051" },
    triage: { type: "string", default: "localhost:50052" },
    translation: { type: "string", default: "localhost:50053" },
  },
});

const api = grpc.loadPackageDefinition(
  protoLoader.loadSync(API_FILES, { ...LOAD_OPTIONS, includeDirs: [PROTOS] }),
);
const credentials = grpc.credentials.createInsecure();
const deadline = () => new Date(Date.now() + 30_000);

function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: deadline() }, (error, reply) =>
      error ? reject(error) : resolve(reply),
    );
  });
}

// google.rpc.Status and its detail types, decoded with protobufjs from protos/ alone.
const errorTypes = new protobuf.Root();
errorTypes.resolvePath = (_origin, target) => path.join(PROTOS, target);
errorTypes.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"], {
  keepCase: true,
});
const Status = errorTypes.lookupType("google.rpc.Status");
const DETAIL_TYPES = {
  "type.googleapis.com/google.rpc.BadRequest": errorTypes.lookupType("google.rpc.BadRequest"),
  "type.googleapis.com/google.rpc.ErrorInfo": errorTypes.lookupType("google.rpc.ErrorInfo"),
};

function statusDetails(error) {
  const [raw] = error.metadata.get("grpc-status-details-bin");
  const status = Status.decode(raw);
  const out = { code: status.code, message: status.message, details: [] };
  for (const any of status.details) {
    const type = DETAIL_TYPES[any.type_url];
    if (type) {
      out.details.push({ type: any.type_url, ...type.toObject(type.decode(any.value)) });
    }
  }
  return out;
}

async function listServices(target) {
  const reflection = grpc.loadPackageDefinition(
    protoLoader.loadSync("grpc/reflection/v1/reflection.proto", {
      ...LOAD_OPTIONS,
      includeDirs: [REFLECTION_PROTOS],
    }),
  ).grpc.reflection.v1;
  const client = new reflection.ServerReflection(target, credentials);
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: deadline() });
    call.on("data", (reply) => {
      resolve(reply.list_services_response.service.map((s) => s.name).sort());
      call.end();
    });
    call.on("error", reject);
    call.write({ list_services: "" });
  });
}

const returnsClient = new api.retail.returns_decision.v1.ReturnsDecisionService(
  targets.returns,
  credentials,
);
const triageClient = new api.retail.triage.v1.TriageService(targets.triage, credentials);
const translationClient = new api.retail.translation.v1.TranslationService(
  targets.translation,
  credentials,
);

const usd = (cents) => ({ currency_code: "USD", amount_minor: String(cents) });
const at = (iso) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });
const returnRequest = {
  tenant_id: "northwind-apparel",
  request_id: "node-1",
  order: {
    order_id: "1001",
    placed_at: at("2025-02-20T10:00:00Z"),
    delivered_at: at("2025-02-24T10:00:00Z"),
    country_code: "US",
    total: usd(6000),
  },
  items: [
    {
      line_item_id: "L1",
      sku: "TEE-M",
      category: "tops",
      quantity: 1,
      unit_price: usd(6000),
      reported_condition: "ITEM_CONDITION_UNWORN_WITH_TAGS",
      reason: "RETURN_REASON_CHANGED_MIND",
    },
  ],
  customer: { customer_id: "c-1", account_age_days: 400, lifetime_orders: 5 },
  requested_at: at("2025-03-10T12:00:00Z"),
};

const result = {};
const decision = await unary(returnsClient, "DecideReturn", returnRequest);
result.decideReturn = { outcome: decision.decision.outcome, policy: decision.decision.policy.label };

const triaged = await unary(triageClient, "TriageMessage", {
  tenant_id: "acme",
  text: "My order never arrived. I will contact my lawyer and sue you.",
});
result.triageMessage = {
  language: triaged.triage.language.language,
  legalThreat: triaged.triage.flags.legal_threat,
  escalate: triaged.triage.escalation.escalate,
};

const translated = await unary(translationClient, "TranslateText", {
  texts: ["Your order #12345 has shipped."],
  source_language: "en",
  target_language: "es",
});
result.translateText = translated.results.map((r) =>
  r.result === "translation" ? { text: r.translation.translated_text } : { error: r.error.message },
);

const noSku = structuredClone(returnRequest);
noSku.items[0].sku = "";
try {
  await unary(returnsClient, "DecideReturn", noSku);
  result.failedCall = { unexpected: "the call succeeded" };
} catch (error) {
  result.failedCall = { status: grpc.status[error.code], ...statusDetails(error) };
}

result.reflection = {
  returns: await listServices(targets.returns),
  triage: await listServices(targets.triage),
  translation: await listServices(targets.translation),
};

for (const client of [returnsClient, triageClient, translationClient]) client.close();
console.log(JSON.stringify(result, null, 2));
