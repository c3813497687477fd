/**
 * Small SVG charts drawn by hand: a chart library would weigh more than the whole console. Each
 * chart has an accessible name that states the numbers it shows.
 */

export interface Bar {
  label: string;
  value: number;
  className: string;
}

export const BarChart = ({ bars, title }: { bars: Bar[]; title: string }) => {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowHeight = 28;
  const labelWidth = 120;
  const width = 480;
  const summary = bars.map((b) => `${b.label} ${b.value}`).join(', ');
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${bars.length * rowHeight}`}
      role="img"
      aria-label={`${title}: ${summary}`}
    >
      {bars.map((bar, i) => {
        const w = ((width - labelWidth - 50) * bar.value) / max;
        return (
          <g key={bar.label} transform={`translate(0 ${i * rowHeight})`}>
            <text x={labelWidth - 8} y={rowHeight / 2 + 5} textAnchor="end" className="chart-label">
              {bar.label}
            </text>
            <rect
              x={labelWidth}
              y={5}
              width={Math.max(w, bar.value > 0 ? 2 : 0)}
              height={rowHeight - 10}
              rx={3}
              className={bar.className}
            />
            <text x={labelWidth + w + 6} y={rowHeight / 2 + 5} className="chart-value">
              {bar.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
};

export interface Bucket {
  bucketStart: string;
  completed: number;
  failed: number;
}

const hourLabel = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** Completed and failed tasks per hour, stacked columns. */
export const ThroughputChart = ({ buckets }: { buckets: Bucket[] }) => {
  const width = 480;
  const height = 160;
  const pad = { left: 30, bottom: 20, top: 8 };
  const max = Math.max(1, ...buckets.map((b) => b.completed + b.failed));
  const slot = (width - pad.left) / Math.max(1, buckets.length);
  const scale = (v: number) => ((height - pad.bottom - pad.top) * v) / max;
  const total = buckets.reduce((n, b) => n + b.completed, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Throughput over ${buckets.length} hours: ${total} completed, ${failed} failed`}
    >
      <line
        x1={pad.left}
        x2={width}
        y1={height - pad.bottom}
        y2={height - pad.bottom}
        className="chart-axis"
      />
      <text x={pad.left - 6} y={pad.top + 8} textAnchor="end" className="chart-label">
        {max}
      </text>
      <text x={pad.left - 6} y={height - pad.bottom} textAnchor="end" className="chart-label">
        0
      </text>
      {buckets.map((b, i) => {
        const x = pad.left + i * slot + slot * 0.15;
        const w = slot * 0.7;
        const hc = scale(b.completed);
        const hf = scale(b.failed);
        const base = height - pad.bottom;
        return (
          <g key={b.bucketStart}>
            <title>{`${hourLabel(b.bucketStart)}: ${b.completed} completed, ${b.failed} failed`}</title>
            <rect x={x} y={base - hc} width={w} height={hc} className="fill-completed" />
            <rect x={x} y={base - hc - hf} width={w} height={hf} className="fill-failed" />
          </g>
        );
      })}
      {buckets.length > 0 && (
        <>
          <text x={pad.left} y={height - 4} className="chart-label">
            {`${buckets.length} h ago`}
          </text>
          <text x={width} y={height - 4} textAnchor="end" className="chart-label">
            now
          </text>
        </>
      )}
    </svg>
  );
};

/** Share of failed tasks per hour (hours without finished tasks are left out of the line). */
export const ErrorRateChart = ({ buckets }: { buckets: Bucket[] }) => {
  const width = 480;
  const height = 120;
  const pad = { left: 36, bottom: 20, top: 8 };
  const slot = (width - pad.left) / Math.max(1, buckets.length);
  const points = buckets
    .map((b, i) => ({ i, rate: b.completed + b.failed === 0 ? null : b.failed / (b.completed + b.failed) }))
    .filter((p): p is { i: number; rate: number } => p.rate !== null)
    .map(
      (p) =>
        `${pad.left + p.i * slot + slot / 2},${height - pad.bottom - (height - pad.bottom - pad.top) * p.rate}`,
    );
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Error rate per hour over ${buckets.length} hours`}
    >
      <line
        x1={pad.left}
        x2={width}
        y1={height - pad.bottom}
        y2={height - pad.bottom}
        className="chart-axis"
      />
      <line x1={pad.left} x2={width} y1={pad.top} y2={pad.top} className="chart-gridline" />
      <text x={pad.left - 6} y={pad.top + 4} textAnchor="end" className="chart-label">
        100%
      </text>
      <text x={pad.left - 6} y={height - pad.bottom} textAnchor="end" className="chart-label">
        0%
      </text>
      {points.length > 0 && <polyline points={points.join(' ')} className="chart-line" />}
      {points.map((p) => {
        const [cx, cy] = p.split(',');
        return <circle key={p} cx={cx} cy={cy} r={3} className="chart-dot" />;
      })}
    </svg>
  );
};
