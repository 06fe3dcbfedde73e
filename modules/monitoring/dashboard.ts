import { EFS_NAMESPACE, STORAGE_CLASSES, THROUGHPUT_UTILIZATION } from "./metrics";
import { jsonDocument } from "../shared/json";

/** What the dashboard shows for one file system. */
export interface DashboardOptions {
  readonly fileSystemId: string;
  readonly region: string;
  /** Burst-credit graph with its alarm threshold; only for file systems in bursting mode. */
  readonly burstCreditBalanceThresholdBytes?: number;
  /** PercentIOLimit graph with its alarm threshold; only for generalPurpose file systems. */
  readonly percentIoLimitThreshold?: number;
  readonly throughputUtilizationThresholdPercent: number;
  /** ARNs of the alarms, shown as a status row at the top. */
  readonly alarmArns: readonly string[];
}

type MetricRow = unknown[];

interface Widget {
  readonly title: string;
  readonly metrics: MetricRow[];
  readonly stacked?: boolean;
  readonly period: number;
  readonly stat?: string;
  readonly threshold?: { readonly label: string; readonly value: number };
  readonly yLabel?: string;
}

const WIDTH = 12;
const HEIGHT = 6;
/** The dashboard grid is 24 units wide; two graphs per row. */
const COLUMNS = 2;

/**
 * The CloudWatch dashboard body (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html)
 * for one file system: alarm status, the book's stacked I/O chart, then utilization, credits,
 * I/O limit, connections and storage by class.
 */
export function dashboardBody(options: DashboardOptions): string {
  const fsId = options.fileSystemId;
  const efsMetric = (name: string, extra: Record<string, unknown> = {}): MetricRow => [
    EFS_NAMESPACE,
    name,
    "FileSystemId",
    fsId,
    ...(Object.keys(extra).length > 0 ? [extra] : []),
  ];
  const u = THROUGHPUT_UTILIZATION;

  const graphs: Widget[] = [
    {
      // The book's figure: where the bytes go, per minute, stacked.
      title: `${fsId}: data and metadata I/O (bytes per minute)`,
      metrics: [
        efsMetric("DataReadIOBytes", { label: "read" }),
        efsMetric("DataWriteIOBytes", { label: "write" }),
        efsMetric("MetadataIOBytes", { label: "metadata" }),
      ],
      stacked: true,
      period: 60,
      stat: "Sum",
      yLabel: "bytes",
    },
    {
      title: `${fsId}: throughput utilization (% of permitted)`,
      metrics: [
        [{ id: u.throughputId, expression: u.throughputExpression, label: "MiB/s", visible: false }],
        [{ id: u.utilizationId, expression: u.utilizationExpression, label: "utilization %" }],
        efsMetric("MeteredIOBytes", { id: u.meteredId, stat: "Sum", visible: false }),
        efsMetric("PermittedThroughput", { id: u.permittedId, stat: "Average", visible: false }),
      ],
      period: 300,
      threshold: { label: "alarm", value: options.throughputUtilizationThresholdPercent },
      yLabel: "%",
    },
  ];
  if (options.burstCreditBalanceThresholdBytes !== undefined) {
    graphs.push({
      title: `${fsId}: burst credit balance`,
      metrics: [efsMetric("BurstCreditBalance")],
      period: 600,
      stat: "Average",
      threshold: { label: "alarm", value: options.burstCreditBalanceThresholdBytes },
      yLabel: "bytes",
    });
  }
  if (options.percentIoLimitThreshold !== undefined) {
    graphs.push({
      title: `${fsId}: PercentIOLimit`,
      metrics: [efsMetric("PercentIOLimit")],
      period: 900,
      stat: "Average",
      threshold: { label: "alarm", value: options.percentIoLimitThreshold },
      yLabel: "%",
    });
  }
  graphs.push(
    {
      // ClientConnections is a Sum per minute: one per mounted client (EFS metrics docs).
      title: `${fsId}: client connections`,
      metrics: [efsMetric("ClientConnections")],
      period: 60,
      stat: "Sum",
      yLabel: "connections",
    },
    {
      title: `${fsId}: storage by class`,
      metrics: STORAGE_CLASSES.map((storageClass) => [
        EFS_NAMESPACE,
        "StorageBytes",
        "FileSystemId",
        fsId,
        "StorageClass",
        storageClass,
        { label: storageClass },
      ]),
      // EFS publishes StorageBytes every 15 minutes.
      period: 900,
      stat: "Average",
      yLabel: "bytes",
    },
  );

  const alarmStatus = {
    type: "alarm",
    x: 0,
    y: 0,
    width: WIDTH * COLUMNS,
    height: 2,
    properties: { title: `${fsId}: alarms`, alarms: [...options.alarmArns] },
  };
  const widgets = graphs.map((graph, i) => ({
    type: "metric",
    x: (i % COLUMNS) * WIDTH,
    y: alarmStatus.height + Math.floor(i / COLUMNS) * HEIGHT,
    width: WIDTH,
    height: HEIGHT,
    properties: {
      title: graph.title,
      region: options.region,
      view: "timeSeries",
      stacked: graph.stacked ?? false,
      metrics: graph.metrics,
      period: graph.period,
      ...(graph.stat ? { stat: graph.stat } : {}),
      ...(graph.threshold ? { annotations: { horizontal: [graph.threshold] } } : {}),
      yAxis: { left: { label: graph.yLabel, min: 0 } },
    },
  }));
  return jsonDocument({ widgets: [alarmStatus, ...widgets] });
}
