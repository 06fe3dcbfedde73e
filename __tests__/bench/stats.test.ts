import {
  costPerExtraFileSystem,
  linearity,
  markdownTable,
  median,
  summarize,
  terraformCommands,
  verdict,
} from "../../bench/stats";

describe("median", () => {
  test("is the middle value of an odd count, whatever the order", () => {
    expect(median([0.9, 0.3, 0.5])).toBe(0.5);
  });

  test("is the mean of the two middle values of an even count", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  test("refuses an empty list", () => {
    expect(() => median([])).toThrow("median: no values");
  });
});

test("summarize gives the median and range of wall times and the largest peak memory in MB", () => {
  // GIVEN three runs, the slowest not the largest
  const runs = [
    { wallMs: 400, maxRssKb: 90 * 1024, exitCode: 0 },
    { wallMs: 900, maxRssKb: 95 * 1024, exitCode: 0 },
    { wallMs: 300, maxRssKb: 110 * 1024, exitCode: 0 },
  ];
  // WHEN / THEN
  expect(summarize(runs)).toEqual({ runs: 3, medianMs: 400, minMs: 300, maxMs: 900, peakRssMb: 110 });
});

describe("scaling arithmetic", () => {
  test("the cost of one more file system is (t50 − t1) / 49", () => {
    expect(costPerExtraFileSystem({ fileSystems: 1, ms: 200 }, { fileSystems: 50, ms: 592 })).toBe(8);
  });

  test("the cost needs a larger second size", () => {
    expect(() => costPerExtraFileSystem({ fileSystems: 10, ms: 1 }, { fileSystems: 10, ms: 2 })).toThrow(
      "costPerExtraFileSystem: 10 is not larger than 10",
    );
  });

  test("linear growth passes", () => {
    // GIVEN 5 ms per file system throughout
    const growth = linearity([
      { fileSystems: 1, ms: 20 },
      { fileSystems: 10, ms: 65 },
      { fileSystems: 50, ms: 265 },
    ]);
    // THEN
    expect(growth).toEqual({ lowSlopeMs: 5, highSlopeMs: 5, linear: true });
  });

  test("quadratic growth fails", () => {
    // GIVEN t = n² ms
    const growth = linearity([
      { fileSystems: 1, ms: 1 },
      { fileSystems: 10, ms: 100 },
      { fileSystems: 50, ms: 2500 },
    ]);
    // THEN the upper slope is 60 ms against 11 ms
    expect(growth.lowSlopeMs).toBe(11);
    expect(growth.highSlopeMs).toBe(60);
    expect(growth.linear).toBe(false);
  });

  test("a sub-millisecond rise within the slack is still linear", () => {
    const growth = linearity([
      { fileSystems: 1, ms: 10 },
      { fileSystems: 10, ms: 10.9 },
      { fileSystems: 50, ms: 30.9 },
    ]);
    // 0.1 ms per file system below, 0.5 above: 0.1 × 1.5 + 0.5 = 0.65
    expect(growth.linear).toBe(true);
  });
});

describe("verdict", () => {
  const format = (ms: number) => `${ms} ms`;

  test("a value at the limit meets it", () => {
    expect(verdict(10, 10, format)).toBe("✓ ≤ 10 ms");
  });

  test("a value above the limit misses it", () => {
    expect(verdict(10.1, 10, format)).toBe("✗ > 10 ms");
  });
});

describe("markdownTable", () => {
  test("pads every column to its widest cell, counting characters not bytes", () => {
    expect(
      markdownTable(
        ["n", "target"],
        [
          ["1", "✓ ≤ 10 ms"],
          ["50", "—"],
        ],
      ),
    ).toBe(
      ["| n   | target    |", "| --- | --------- |", "| 1   | ✓ ≤ 10 ms |", "| 50  | —         |"].join("\n"),
    );
  });

  test("refuses a row with the wrong number of cells", () => {
    expect(() => markdownTable(["a", "b"], [["1"]])).toThrow(
      "markdownTable: a row has 1 cells, the header 2",
    );
  });
});

describe("terraformCommands", () => {
  test("counts the shim's commands by subcommand and adds up their CPU and failures", () => {
    // GIVEN three commands as bench/terraform-shim.sh logs them
    const log = [
      "init\t0\t0.512\t0.101\t0.050\t/tmp/a",
      "plan\t0\t9.100\t5.000\t1.250\t/tmp/a",
      "plan\t1\t2.000\t1.000\t0.250\t/tmp/b",
      "",
    ].join("\n");

    // WHEN
    const commands = terraformCommands(log);

    // THEN
    expect(commands).toEqual({
      count: 3,
      failed: 1,
      bySubcommand: { plan: 2, init: 1 },
      userMs: 6101,
      systemMs: 1550,
    });
    expect(Object.keys(commands.bySubcommand)).toEqual(["plan", "init"]);
  });

  test("refuses a line it cannot read instead of counting it as free", () => {
    expect(() => terraformCommands("plan\t0\t1.0\n")).toThrow(/cannot read the log line "plan\\t0\\t1.0"/);
  });

  test("an empty log is no command", () => {
    expect(terraformCommands("")).toMatchObject({ count: 0, userMs: 0, systemMs: 0 });
  });
});
