/**
 * The EFS metrics the alarms and the dashboard share, so that both always watch the same thing.
 * Metric names, units and statistics: Amazon EFS User Guide, "Amazon CloudWatch metrics for Amazon
 * EFS" (https://docs.aws.amazon.com/efs/latest/ug/efs-metrics.html).
 */
export const EFS_NAMESPACE = "AWS/EFS";

/** Bytes in a MiB: the EFS metric-math examples convert bytes to MiB with this divisor. */
const BYTES_PER_MIB = 1048576;

/**
 * "Percentage of permitted throughput utilization", from the EFS User Guide, "Using metric math with
 * Amazon EFS" (https://docs.aws.amazon.com/efs/latest/ug/monitoring-metric-math.html):
 *   e1 = (m1/1048576)/PERIOD(m1)      m1 = MeteredIOBytes, Sum    (throughput in MiB/s)
 *   e2 = (e1*100)/(m2/1048576)        m2 = PermittedThroughput    (bytes/s, converted to MiB/s)
 *
 * DEVIATION: the guide reads PermittedThroughput with the Sum statistic over a 1-minute period,
 * where Sum and Average are the same single data point. We read it with Average, which stays a
 * bytes-per-second rate at any period, so the alarm can use 5-minute periods.
 */
const METERED = "metered_io_bytes";
const PERMITTED = "permitted_throughput";
const THROUGHPUT = "throughput_mibps";

export const THROUGHPUT_UTILIZATION = {
  /** Query id of MeteredIOBytes (Sum). */
  meteredId: METERED,
  /** Query id of PermittedThroughput (Average). */
  permittedId: PERMITTED,
  /** Query id of the throughput in MiB/s. */
  throughputId: THROUGHPUT,
  throughputExpression: `(${METERED}/${BYTES_PER_MIB})/PERIOD(${METERED})`,
  /** Query id of the utilization in percent, the value the alarm compares. */
  utilizationId: "throughput_utilization",
  utilizationExpression: `(${THROUGHPUT}*100)/(${PERMITTED}/${BYTES_PER_MIB})`,
} as const;

/**
 * Storage classes of the StorageBytes metric's StorageClass dimension that the dashboard shows:
 * the total and where it lives. (The `*SizeOverhead` values are billing detail and left out.)
 */
export const STORAGE_CLASSES = ["Total", "Standard", "IA", "Archive"] as const;
