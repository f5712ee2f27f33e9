/**
 * Secrets out of messages: a URL's password and every query value (`?key=`, `?token=`, an Adobe-auth
 * `response`, …) become `***`, wherever a URL or `name?query` appears in `text`. Parameter names stay, so a
 * message still says what was sent.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@?#]*):[^\s@/?#]*@/gi, '$1:***@')
    .replace(/([?&][^\s=&#?"']+)=[^\s&#"']*/g, '$1=***')
}
