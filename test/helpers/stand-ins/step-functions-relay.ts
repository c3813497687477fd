/**
 * Step Functions for the function bundles: their SDK calls go to this relay (`AWS_ENDPOINT_URL_SFN`),
 * which passes each request on to moto unchanged (so the call is validated and answered by a real
 * service stand-in) and, for every `StartExecution` moto accepted, runs the execution in the local
 * runner (`local/stepfunctions`), which moto cannot do without Lambda.
 */
import { createServer, type Server } from 'node:http';

export interface StartedExecution {
  stateMachineArn: string;
  name: string | undefined;
  input: unknown;
  executionArn: string;
}

export interface StepFunctionsRelay {
  endpoint: string;
  readonly started: StartedExecution[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * @param settings.upstream - moto's endpoint.
 * @param settings.onStart - Called with each execution moto started.
 */
export async function startStepFunctionsRelay(settings: {
  upstream: string;
  onStart: (execution: StartedExecution) => void;
}): Promise<StepFunctionsRelay> {
  const started: StartedExecution[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (entry): entry is [string, string] => !HOP_BY_HOP.has(entry[0]) && typeof entry[1] === 'string',
        ),
      );
      const answer = await fetch(`${settings.upstream}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        ...(body.length > 0 && { body }),
      });
      const text = await answer.text();
      res.writeHead(answer.status, {
        'Content-Type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
      if (answer.ok && req.headers['x-amz-target'] === 'AWSStepFunctions.StartExecution') {
        const request = JSON.parse(body.toString('utf8')) as {
          stateMachineArn: string;
          name?: string;
          input?: string;
        };
        const execution: StartedExecution = {
          stateMachineArn: request.stateMachineArn,
          name: request.name,
          input: JSON.parse(request.input ?? '{}') as unknown,
          executionArn: (JSON.parse(text) as { executionArn: string }).executionArn,
        };
        started.push(execution);
        settings.onStart(execution);
      }
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    started,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
