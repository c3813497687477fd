/** Import-cost part: client-textract as the Textract adapter imports it. */
import {
  DetectDocumentTextCommand,
  GetDocumentTextDetectionCommand,
  StartDocumentTextDetectionCommand,
  TextractClient,
} from '@aws-sdk/client-textract';

export const handler = async () =>
  [
    TextractClient,
    DetectDocumentTextCommand,
    GetDocumentTextDetectionCommand,
    StartDocumentTextDetectionCommand,
  ].length;
