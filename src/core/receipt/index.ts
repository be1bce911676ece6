export {
  decodeReceipt,
  encodeReceipt,
  ReceiptError,
  ReceiptLabel,
  receiptProtectedHeader,
  receiptToBeSigned,
  VDS_RFC9162_SHA256,
  verifyReceipt,
  type DecodedReceipt,
  type InclusionProof,
  type ReceiptErrorCode,
} from './receipt.ts';
export {
  decodeReceiptMessage,
  encodeReceiptMessage,
  verifyReceiptMessage,
  type ReceiptMessage,
} from './receipt-message.ts';
