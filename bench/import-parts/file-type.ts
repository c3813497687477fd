/** Import-cost part: file-type's buffer sniffing, as content-type.ts imports it. */
import { fileTypeFromBuffer } from 'file-type';

export const handler = async () => [fileTypeFromBuffer].length;
