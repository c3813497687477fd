/** pdfjs-dist ships no types for its worker module; importing it for its side effect is all untxt does. */
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}
