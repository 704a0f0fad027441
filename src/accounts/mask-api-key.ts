/**
 * The masked form OpenAI uses when it echoes a bad key in an error message
 * ("Incorrect API key provided: sk-pg***…wxyz"): the first 5 and last 4 characters around
 * asterisks. Keys shorter than 12 characters are masked entirely, so at most 9 characters of any
 * input are ever revealed and never more than a quarter of a short one.
 */
export function maskApiKey(secret: string): string {
  if (secret.length < 12) return '*'.repeat(secret.length);
  return `${secret.slice(0, 5)}${'*'.repeat(secret.length - 9)}${secret.slice(-4)}`;
}
