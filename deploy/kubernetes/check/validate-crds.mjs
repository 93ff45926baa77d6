// Validates the operators' resources in rendered manifests (multi-document YAML files named on
// the command line): CloudNativePG's Cluster and ScheduledBackup against the schemas generated
// from its CRDs (@kubernetes-models/cloudnative-pg), RabbitmqCluster against
// rabbitmqcluster.schema.json. Kinds of the core API groups are kubernetes-validate's (see
// scripts/check-kubernetes); any other kind fails, so nothing goes unchecked.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";
import { ScheduledBackup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup";

const CORE_GROUPS = new Set(["v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"]);
const rabbit = new Ajv({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL("./rabbitmqcluster.schema.json", import.meta.url), "utf8")),
);
const checkers = {
  "postgresql.cnpg.io/v1 Cluster": (doc) => new Cluster(doc).validate(),
  "postgresql.cnpg.io/v1 ScheduledBackup": (doc) => new ScheduledBackup(doc).validate(),
  "rabbitmq.com/v1beta1 RabbitmqCluster": (doc) => {
    if (!rabbit(doc)) {
      throw new Error(rabbit.errors.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join("; "));
    }
  },
};

let failed = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  for (const parsed of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (parsed.errors.length) {
      console.error(`${file}: unreadable YAML: ${parsed.errors[0].message}`);
      failed++;
      continue;
    }
    const doc = parsed.toJS();
    if (!doc) continue;
    const what = `${doc.apiVersion} ${doc.kind}`;
    const name = `${file}: ${doc.kind}/${doc.metadata?.name}`;
    if (CORE_GROUPS.has(doc.apiVersion)) continue;
    const check = checkers[what];
    if (!check) {
      console.error(`${name}: no schema here for ${what}`);
      failed++;
      continue;
    }
    try {
      check(doc);
      checked++;
    } catch (e) {
      console.error(`${name}: ${e.message}`);
      failed++;
    }
  }
}
console.log(`operator resources: ${checked} valid, ${failed} invalid`);
process.exit(failed ? 1 : 0);
