/** The topic a meter's receipts are published on: `wattproof/v1/meters/<meterId>/receipts`. */
export function topicsForReceipt(meterId: string): string {
  return `wattproof/v1/meters/${meterId}/receipts`;
}
