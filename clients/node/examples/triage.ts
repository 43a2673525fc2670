// A typed client from the TypeScript that `buf generate` writes to gen/ (ts-proto for
// @grpc/grpc-js). Triage one message and print the result as JSON:
//
//   buf generate && npx tsc -p tsconfig.json && node dist/examples/triage.js localhost:50052
import * as grpc from "@grpc/grpc-js";

import {
  TriageMessageRequest,
  TriageMessageResponse,
  TriageServiceClient,
} from "../gen/retail/triage/v1/triage.js";

const target = process.argv[2] ?? "localhost:50052";
const client = new TriageServiceClient(target, grpc.credentials.createInsecure());

client.triageMessage(
  TriageMessageRequest.fromPartial({
    tenantId: "acme",
    requestId: "ts-1",
    text: "¿Dónde está mi pedido? Lo compré hace dos semanas.",
  }),
  new grpc.Metadata(),
  { deadline: new Date(Date.now() + 30_000) },
  (error: grpc.ServiceError | null, reply?: TriageMessageResponse) => {
    client.close();
    if (error !== null || reply?.triage === undefined) {
      console.error(error?.message ?? "no triage in the reply");
      process.exit(1);
    }
    console.log(JSON.stringify(TriageMessageResponse.toJSON(reply)));
  },
);
