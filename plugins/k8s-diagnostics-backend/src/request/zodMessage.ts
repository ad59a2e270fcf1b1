/** The text of a failed zod parse as the routers' 400 answers give it: `'field' what is wrong`, joined by `; `. */
import { z } from 'zod';

/** Each issue as `'path' message` (`'body'` for the whole input), joined by `; `. */
export function zodMessage(e: z.ZodError): string {
  return e.issues
    .map(i => `'${i.path.join('.') || 'body'}' ${i.message}`)
    .join('; ');
}
