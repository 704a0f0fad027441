/**
 * A request URL without its query string. Queries carry result signatures, so this is the form
 * a URL takes in logs and in error messages.
 */
export function urlWithoutQuery(url: string): string {
  return url.split('?')[0];
}
