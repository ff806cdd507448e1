// Text files bundled as strings (esbuild's text loader): the BIP39 word list.
declare module "*.txt" {
  const text: string;
  export default text;
}
