import type { PresignedPost } from '../api/types.js';

export interface UploadHandle {
  done: Promise<void>;
  abort(): void;
}

/** Why S3 refused an upload: its XML `<Message>`, which names the broken condition. */
const s3Message = (xml: string, status: number): string => {
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return message ? `Upload refused: ${message}` : `Upload failed (HTTP ${status})`;
};

/**
 * POSTs a file to a presigned S3 form. XMLHttpRequest rather than fetch because only XHR reports
 * upload progress. Every policy field goes first and `file` last: S3 ignores fields after the file.
 */
export const uploadToPresignedPost = (
  upload: PresignedPost,
  file: Blob,
  onProgress: (fraction: number) => void,
): UploadHandle => {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', file);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new Error(s3Message(xhr.responseText, xhr.status)));
    };
    xhr.onerror = () => reject(new Error('Upload failed: the connection was interrupted'));
    xhr.onabort = () => reject(new Error('Upload cancelled'));
    xhr.open('POST', upload.url);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
};
