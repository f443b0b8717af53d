// The part of sodium-native's API this package uses; the package ships no type declarations.
declare module 'sodium-native' {
  /** libsodium crypto_sign_verify_detached; throws unless the lengths are 64, any and 32 bytes. */
  export function crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}
