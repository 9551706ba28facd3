import assert from "node:assert/strict";
import { DefinitionError } from "../../runtime/src/errors";
import {
  dailyPartitions,
  dynamicPartitions,
  hourlyPartitions,
  isPartitionsDefinition,
  loadDynamicPartitionKeys,
  monthlyPartitions,
  partitionKeysOf,
  PartitionKeyError,
  samePartitions,
  staticPartitions,
  weeklyPartitions,
  type DynamicPartitionStore,
} from "../../runtime/src/partitions";

/** Asserts a DefinitionError that points at this test file and says what to do. */
function refusesDefinition(define: () => unknown, message: RegExp, hint?: RegExp) {
  assert.throws(define, (error: DefinitionError) => {
    assert.ok(error instanceof DefinitionError, String(error));
    assert.match(error.message, message);
    assert.match(error.location?.file ?? "", /definitions\.test\.ts$/, "the error names the caller's file");
    if (hint) assert.match(error.hint ?? "", hint);
    return true;
  });
}

/** A store in memory, as storage will implement it (add is idempotent, order of addition kept). */
class MemoryDynamicStore implements DynamicPartitionStore {
  private readonly byName = new Map<string, string[]>();
  async keys(name: string) {
    return [...(this.byName.get(name) ?? [])];
  }
  async add(name: string, keys: readonly string[]) {
    const list = this.byName.get(name) ?? [];
    for (const key of keys) if (!list.includes(key)) list.push(key);
    this.byName.set(name, list);
  }
  async remove(name: string, keys: readonly string[]) {
    this.byName.set(name, (this.byName.get(name) ?? []).filter((key) => !keys.includes(key)));
  }
}

describe("partitions definitions", () => {
  it("refuses a start that is not a calendar date, at the caller's line", () => {
    refusesDefinition(() => dailyPartitions({ start: "2024-02-30" }), /dailyPartitions\(\): start "2024-02-30" is not a calendar date/, /"2024-01-01"/);
    refusesDefinition(() => dailyPartitions({ start: "yesterday" }), /start "yesterday" is not a date/);
    refusesDefinition(() => dailyPartitions({} as never), /start is required/);
  });

  it("refuses an unknown time zone and suggests IANA names", () => {
    refusesDefinition(() => hourlyPartitions({ start: "2024-01-01", timezone: "Paris" }), /timezone "Paris" is not a time zone/, /Europe\/Paris/);
  });

  it("refuses an end that leaves no whole window", () => {
    refusesDefinition(() => monthlyPartitions({ start: "2024-01-01", end: "2024-01-20" }), /leaves no whole monthly window/);
  });

  it("refuses a fractional endOffset, a bad dayOfWeek and dayOfWeek outside weekly", () => {
    refusesDefinition(() => dailyPartitions({ start: "2024-01-01", endOffset: 0.5 }), /endOffset must be a whole number/);
    refusesDefinition(() => weeklyPartitions({ start: "2024-01-01", dayOfWeek: 7 as never }), /dayOfWeek 7 is not a day/, /0 \(Sunday\)/);
    refusesDefinition(() => dailyPartitions({ start: "2024-01-01", dayOfWeek: 1 } as never), /dayOfWeek applies to weeklyPartitions\(\) only/);
  });

  it("refuses key formats that would give two windows one key or split keys into folders", () => {
    refusesDefinition(() => hourlyPartitions({ start: "2024-01-01", fmt: "YYYY-MM-DD" }), /lacks HH/, /YYYY-MM-DD-HH:mm/);
    refusesDefinition(() => dailyPartitions({ start: "2024-01-01", fmt: "YYYY/MM/DD" }), /has "\/" at position 5/);
    refusesDefinition(() => dailyPartitions({ start: "2024-01-01", fmt: "YYYY-MM-DD-HH" }), /daily windows start at midnight/);
  });

  it("reads a start written as an instant in UTC whatever the zone", () => {
    const daily = dailyPartitions({ start: "2024-01-01T00:00:00Z", timezone: "America/New_York" });
    // Midnight UTC is 19:00 on Dec 31 in New York: the first whole New York day is Jan 1.
    assert.equal(daily.keys(new Date("2024-01-03T12:00:00Z")).at(0), "2024-01-01");
    assert.equal(daily.start.toISOString(), "2024-01-01T05:00:00.000Z");
  });

  it("describes each kind in one line", () => {
    assert.equal(dailyPartitions({ start: "2024-01-01" }).describe(), "daily partitions from 2024-01-01 (UTC)");
    assert.equal(
      weeklyPartitions({ start: "2024-01-01", timezone: "Europe/Paris", endOffset: 1 }).describe(),
      "weekly partitions from 2024-01-01 (Europe/Paris), weeks start on Monday, end offset 1",
    );
    assert.equal(staticPartitions(["eu", "us"]).describe(), "static partitions: eu, us");
    assert.equal(dynamicPartitions({ name: "customers" }).describe(), 'dynamic partitions "customers"');
  });

  it("recognizes definitions by brand and kind", () => {
    assert.equal(isPartitionsDefinition(dailyPartitions({ start: "2024-01-01" })), true);
    assert.equal(isPartitionsDefinition(staticPartitions(["a"])), true);
    assert.equal(isPartitionsDefinition({ kind: "static" }), false);
    assert.equal(dailyPartitions({ start: "2024-01-01" }).kind, "time");
  });

  it("treats two separately written equal definitions as the same partitions", () => {
    assert.equal(samePartitions(dailyPartitions({ start: "2024-01-01" }), dailyPartitions({ start: "2024-01-01" })), true);
    assert.equal(samePartitions(dailyPartitions({ start: "2024-01-01" }), dailyPartitions({ start: "2024-01-02" })), false);
    assert.equal(samePartitions(staticPartitions(["a", "b"]), staticPartitions(["a", "b"])), true);
    assert.equal(samePartitions(staticPartitions(["a", "b"]), staticPartitions(["b", "a"])), false);
  });
});

describe("static partitions", () => {
  it("keeps the keys in the order given", () => {
    const regions = staticPartitions(["us", "eu", "apac"]);
    assert.deepEqual(regions.keys().toArray(), ["us", "eu", "apac"]);
    assert.equal(regions.count(), 3);
    assert.equal(regions.contains("eu"), true);
    assert.equal(regions.contains("EU"), false);
    assert.deepEqual(regions.keysBetween("eu", "apac").toArray(), ["eu", "apac"]);
  });

  it("refuses an empty list, repeated keys and keys with path or list separators", () => {
    refusesDefinition(() => staticPartitions([]), /non-empty array/);
    refusesDefinition(() => staticPartitions(["eu", "us", "eu"]), /keys must be unique; repeated: eu/);
    refusesDefinition(() => staticPartitions(["eu/west"]), /keys\[0\]: partition key "eu\/west" has characters keys cannot use/);
    refusesDefinition(() => staticPartitions(["a,b"]), /has characters keys cannot use/);
    refusesDefinition(() => staticPartitions([""]), /cannot be empty/);
  });

  it("refuses a range with an unknown key or in the wrong order", () => {
    const regions = staticPartitions(["us", "eu", "apac"]);
    assert.throws(() => regions.keysBetween("us", "mars"), (error: PartitionKeyError) => error instanceof PartitionKeyError && /"mars" is not a key of static partitions/.test(error.message));
    assert.throws(() => regions.keysBetween("apac", "us"), /"apac" comes after "us"/);
  });
});

describe("dynamic partitions", () => {
  it("reads keys from the store, in the order they were added", async () => {
    const store = new MemoryDynamicStore();
    const customers = dynamicPartitions({ name: "customers" });
    await store.add("customers", ["acme", "globex"]);
    await store.add("customers", ["acme", "initech"]);
    await store.remove("customers", ["globex"]);
    assert.deepEqual(await customers.keys(store), ["acme", "initech"]);
  });

  it("loads the keys of every dynamic definition once for synchronous key math", async () => {
    const store = new MemoryDynamicStore();
    await store.add("customers", ["acme"]);
    const definitions = [dynamicPartitions({ name: "customers" }), dynamicPartitions({ name: "customers" }), dailyPartitions({ start: "2024-01-01" }), undefined];
    const dynamicKeys = await loadDynamicPartitionKeys(store, definitions);
    assert.deepEqual([...dynamicKeys.keys()], ["customers"]);
    assert.deepEqual(partitionKeysOf(definitions[0]!, { dynamicKeys }).toArray(), ["acme"]);
  });

  it("says the keys were not loaded instead of answering with none", () => {
    assert.throws(() => partitionKeysOf(dynamicPartitions({ name: "customers" }), {}), /the keys of dynamic partitions "customers" were not loaded/);
  });

  it("refuses a name that cannot be stored", () => {
    refusesDefinition(() => dynamicPartitions({ name: "my customers" }), /name "my customers" is invalid/, /letters, digits/);
  });
});
