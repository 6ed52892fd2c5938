// snappyjs ships no type declarations. Only the block-format functions exist
// (reference/wire-protocols.md §1.2: remote-write uses the block format).
declare module 'snappyjs' {
  const SnappyJS: {
    compress(input: Uint8Array): Uint8Array;
    uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default SnappyJS;
}
