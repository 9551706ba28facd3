import assert from "node:assert/strict";
import { DefinitionError } from "../../runtime/src/errors";
import {
  allPartitionsMapping,
  assertValidMapping,
  dailyPartitions,
  defaultPartitionMapping,
  downstreamKeysFor,
  dynamicPartitions,
  hourlyPartitions,
  identityMapping,
  lastPartitionMapping,
  monthlyPartitions,
  PartitionKeyError,
  staticMapping,
  staticPartitions,
  timeWindowMapping,
  upstreamKeysFor,
  validateMapping,
  weeklyPartitions,
} from "../../runtime/src/partitions";

const now = new Date("2024-03-15T12:00:00Z");
const context = { now };
const daily = dailyPartitions({ start: "2024-01-01" });
const keysOf = (result: ReturnType<typeof upstreamKeysFor>) => (result.partitioned ? result.keys : "unpartitioned");

describe("partition mappings", () => {
  describe("identity", () => {
    it("reads the same key upstream, the default between equal definitions", () => {
      assert.equal(defaultPartitionMapping(daily, dailyPartitions({ start: "2024-01-01" })).kind, "identity");
      assert.deepEqual(upstreamKeysFor(undefined, daily, "2024-02-10", daily, context), { partitioned: true, keys: ["2024-02-10"], nonexistent: [] });
      assert.deepEqual(keysOf(downstreamKeysFor(identityMapping(), daily, "2024-02-10", daily, context)), ["2024-02-10"]);
    });

    it("reports a key the upstream does not have (it starts later) as nonexistent", () => {
      const later = dailyPartitions({ start: "2024-02-01" });
      assert.deepEqual(upstreamKeysFor(identityMapping(), daily, "2024-01-15", later, context), { partitioned: true, keys: [], nonexistent: ["2024-01-15"] });
    });

    it("refuses a downstream key that is not a key", () => {
      assert.throws(() => upstreamKeysFor(identityMapping(), daily, "2024-13-01", daily, context), PartitionKeyError);
    });
  });

  describe("time window", () => {
    it("reads the last 7 days with startOffset -6", () => {
      const result = upstreamKeysFor(timeWindowMapping({ startOffset: -6 }), daily, "2024-03-10", daily, context);
      assert.deepEqual(result, {
        partitioned: true,
        keys: ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09", "2024-03-10"],
        nonexistent: [],
      });
    });

    it("clips the last 7 days at the start of the range and reports the days before it", () => {
      const result = upstreamKeysFor(timeWindowMapping({ startOffset: -6 }), daily, "2024-01-03", daily, context);
      assert.deepEqual(result, {
        partitioned: true,
        keys: ["2024-01-01", "2024-01-02", "2024-01-03"],
        nonexistent: ["2023-12-28", "2023-12-29", "2023-12-30", "2023-12-31"],
      });
    });

    it("reads the previous day with offsets -1..-1", () => {
      assert.deepEqual(keysOf(upstreamKeysFor(timeWindowMapping({ startOffset: -1, endOffset: -1 }), daily, "2024-03-01", daily, context)), ["2024-02-29"]);
    });

    it("finds the downstream days that read a day through the last-7-days window, those not closed yet apart", () => {
      const result = downstreamKeysFor(timeWindowMapping({ startOffset: -6 }), daily, "2024-03-10", daily, context);
      assert.deepEqual(result, {
        partitioned: true,
        keys: ["2024-03-10", "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-14"],
        nonexistent: ["2024-03-15", "2024-03-16"],
      });
    });

    it("reads the 24 hours of a day from an hourly upstream (daily <- hourly)", () => {
      const hourly = hourlyPartitions({ start: "2024-01-01" });
      const result = upstreamKeysFor(undefined, daily, "2024-03-01", hourly, context);
      assert.ok(result.partitioned);
      assert.equal(result.keys.length, 24);
      assert.equal(result.keys[0], "2024-03-01-00:00");
      assert.equal(result.keys[23], "2024-03-01-23:00");
      assert.deepEqual(keysOf(downstreamKeysFor(undefined, hourly, "2024-03-01-13:00", daily, context)), ["2024-03-01"]);
    });

    it("reads 23 hours for Paris's spring-forward day from a Paris hourly upstream", () => {
      const parisDaily = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
      const parisHourly = hourlyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
      const result = upstreamKeysFor(timeWindowMapping(), parisDaily, "2024-03-31", parisHourly, { now: new Date("2024-05-01T00:00:00Z") });
      assert.ok(result.partitioned);
      assert.equal(result.keys.length, 23);
      assert.ok(!result.keys.includes("2024-03-31-02:00"));
    });

    it("reads the month containing a day from a monthly upstream (daily <- monthly), once it has closed", () => {
      const monthly = monthlyPartitions({ start: "2024-01-01" });
      assert.deepEqual(upstreamKeysFor(undefined, daily, "2024-02-29", monthly, context), { partitioned: true, keys: ["2024-02-01"], nonexistent: [] });
      assert.deepEqual(upstreamKeysFor(undefined, daily, "2024-03-02", monthly, context), { partitioned: true, keys: [], nonexistent: ["2024-03-01"] });
      assert.equal(keysOf(downstreamKeysFor(undefined, monthly, "2024-02-01", daily, context)).length, 29);
    });

    it("reads the days of a week from a daily upstream (weekly <- daily)", () => {
      const weekly = weeklyPartitions({ start: "2024-01-01" });
      assert.deepEqual(keysOf(upstreamKeysFor(undefined, weekly, "2024-02-26", daily, context)), [
        "2024-02-26", "2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02", "2024-03-03",
      ]);
    });

    it("refuses startOffset after endOffset where the mapping is written", () => {
      assert.throws(() => timeWindowMapping({ startOffset: 1, endOffset: 0 }), (error: DefinitionError) => {
        assert.ok(error instanceof DefinitionError);
        assert.match(error.message, /mappings\.test\.ts:\d+:\d+: timeWindowMapping\(\): startOffset \(1\) is after endOffset \(0\)/);
        return true;
      });
    });
  });

  describe("all partitions and last partition", () => {
    it("gives an unpartitioned downstream every upstream partition by default", () => {
      assert.equal(defaultPartitionMapping(undefined, daily).kind, "allPartitions");
      const result = upstreamKeysFor(undefined, undefined, undefined, daily, context);
      assert.ok(result.partitioned);
      assert.equal(result.keys.length, 74);
      assert.deepEqual(downstreamKeysFor(undefined, daily, "2024-01-05", undefined, context), { partitioned: false });
    });

    it("gives every partition of a downstream the whole unpartitioned upstream, and marks them all when it changes", () => {
      assert.deepEqual(upstreamKeysFor(undefined, daily, "2024-01-05", undefined, context), { partitioned: false });
      assert.equal(keysOf(downstreamKeysFor(undefined, undefined, undefined, daily, context)).length, 74);
    });

    it("reads only the latest upstream partition with lastPartitionMapping", () => {
      assert.deepEqual(keysOf(upstreamKeysFor(lastPartitionMapping(), undefined, undefined, daily, context)), ["2024-03-14"]);
      const regions = staticPartitions(["eu", "us"]);
      assert.deepEqual(keysOf(downstreamKeysFor(lastPartitionMapping(), daily, "2024-03-14", regions, context)), ["eu", "us"]);
      assert.deepEqual(keysOf(downstreamKeysFor(lastPartitionMapping(), daily, "2024-03-13", regions, context)), []);
    });

    it("reads every upstream region for each day with allPartitionsMapping", () => {
      const regions = staticPartitions(["eu", "us"]);
      assert.deepEqual(keysOf(upstreamKeysFor(allPartitionsMapping(), daily, "2024-03-01", regions, context)), ["eu", "us"]);
    });
  });

  describe("static", () => {
    const countries = staticPartitions(["fr", "de", "us", "ca"]);
    const continents = staticPartitions(["europe", "americas", "asia"]);
    const mapping = staticMapping({ europe: ["fr", "de"], americas: ["us", "ca"] });

    it("reads the listed upstream keys, and none for an unlisted downstream key", () => {
      assert.deepEqual(keysOf(upstreamKeysFor(mapping, continents, "europe", countries)), ["fr", "de"]);
      assert.deepEqual(keysOf(upstreamKeysFor(mapping, continents, "asia", countries)), []);
    });

    it("finds the downstream keys that read an upstream key", () => {
      assert.deepEqual(keysOf(downstreamKeysFor(mapping, countries, "ca", continents)), ["americas"]);
    });

    it("refuses at load a mapping that names keys neither side has", () => {
      assert.match(validateMapping(staticMapping({ oceania: ["au"] }), { key: "by_continent", partitions: continents }, { key: "by_country", partitions: countries })!.message, /lists oceania, not partitions of "by_continent"/);
      assert.match(validateMapping(staticMapping({ europe: ["it"] }), { key: "by_continent", partitions: continents }, { key: "by_country", partitions: countries })!.message, /reads it, not partitions of "by_country"/);
      assert.equal(validateMapping(mapping, { key: "by_continent", partitions: continents }, { key: "by_country", partitions: countries }), undefined);
    });

    it("maps days to regions when the keys are valid days", () => {
      const regions = staticPartitions(["eu", "us"]);
      const dayToRegions = staticMapping({ "2024-01-01": ["eu"] });
      assert.equal(validateMapping(dayToRegions, { key: "daily", partitions: daily }, { key: "regions", partitions: regions }), undefined);
      assert.match(validateMapping(staticMapping({ "2024-1-1": ["eu"] }), { key: "daily", partitions: daily }, { key: "regions", partitions: regions })!.message, /lists 2024-1-1/);
    });
  });

  describe("validation at load", () => {
    const regions = staticPartitions(["eu", "us"]);
    const side = (key: string, partitions?: Parameters<typeof validateMapping>[1]["partitions"]) => ({ key, partitions });

    it("refuses the identity between daily and static partitions and suggests a mapping", () => {
      const found = validateMapping(identityMapping(), side("daily_sales", daily), side("regions", regions));
      assert.match(found!.message, /asset "daily_sales" depends on "regions" with the identity mapping, but "daily_sales" has daily partitions from 2024-01-01 \(UTC\) and "regions" has static partitions: eu, us/);
      assert.match(found!.hint, /staticMapping\(\)/);
    });

    it("refuses the default mapping between daily and static partitions, saying it was the default", () => {
      assert.match(validateMapping(undefined, side("daily_sales", daily), side("regions", regions))!.message, /with the default identity mapping/);
    });

    it("refuses the identity between daily and hourly and suggests timeWindowMapping()", () => {
      const found = validateMapping(identityMapping(), side("daily", daily), side("hourly", hourlyPartitions({ start: "2024-01-01" })));
      assert.match(found!.message, /their keys name different windows/);
      assert.match(found!.hint, /timeWindowMapping\(\)/);
    });

    it("accepts time-window mappings daily -> hourly and monthly -> daily, explicit or default", () => {
      const hourly = hourlyPartitions({ start: "2024-01-01" });
      const monthly = monthlyPartitions({ start: "2024-01-01" });
      assert.equal(validateMapping(timeWindowMapping(), side("hourly", hourly), side("daily", daily)), undefined);
      assert.equal(validateMapping(undefined, side("daily", daily), side("hourly", hourly)), undefined);
      assert.equal(validateMapping(undefined, side("daily", daily), side("monthly", monthly)), undefined);
      assert.equal(validateMapping(timeWindowMapping({ startOffset: -6 }), side("daily", daily), side("daily_up", daily)), undefined);
    });

    it("refuses a time-window mapping to static partitions", () => {
      assert.match(validateMapping(timeWindowMapping(), side("daily", daily), side("regions", regions))!.message, /time-window mappings connect two time-partitioned assets/);
    });

    it("refuses a key mapping for an unpartitioned downstream and suggests reading all or the last", () => {
      const found = validateMapping(identityMapping(), side("report"), side("daily", daily));
      assert.match(found!.message, /"report" is not partitioned, so it has no key to map/);
      assert.match(found!.hint, /allPartitionsMapping\(\).*lastPartitionMapping\(\)/);
      assert.equal(validateMapping(undefined, side("report"), side("daily", daily)), undefined);
    });

    it("refuses an explicit mapping to an unpartitioned upstream", () => {
      assert.match(validateMapping(timeWindowMapping(), side("daily", daily), side("customers"))!.message, /"customers" is not partitioned/);
      assert.equal(validateMapping(undefined, side("daily", daily), side("customers")), undefined);
    });

    it("refuses the identity between static lists when downstream keys are missing upstream", () => {
      const found = validateMapping(undefined, side("sales", staticPartitions(["eu", "us", "apac"])), side("regions", regions));
      assert.match(found!.message, /the partitions apac of "sales" do not exist upstream/);
    });

    it("refuses the identity between two dynamic names", () => {
      const found = validateMapping(undefined, side("a", dynamicPartitions({ name: "customers" })), side("b", dynamicPartitions({ name: "suppliers" })));
      assert.match(found!.hint, /dynamicPartitions\(\{ name: "suppliers" \}\)/);
    });

    it("refuses something that is not a mapping", () => {
      assert.match(validateMapping({ kind: "identity" } as never, side("a", daily), side("b", daily))!.message, /is not a mapping/);
    });

    it("throws the problem as a DefinitionError at the given location", () => {
      assert.throws(
        () => assertValidMapping(identityMapping(), side("daily_sales", daily), side("regions", regions), { file: "assets.ts", line: 12, column: 3 }),
        (error: DefinitionError) => error instanceof DefinitionError && error.message.startsWith("assets.ts:12:3: asset \"daily_sales\"") && /staticMapping/.test(error.hint ?? ""),
      );
    });
  });
});
