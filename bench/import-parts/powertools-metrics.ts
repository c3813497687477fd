/** Import-cost part: Powertools metrics, as the admission metrics adapter imports it. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const handler = async () => [Metrics, MetricUnit].length;
