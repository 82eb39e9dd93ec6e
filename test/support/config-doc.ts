import { z } from 'zod';
import { configSchema } from '../../src/config/schema.ts';

export interface ConfigKeyDoc {
  key: string;
  type: string;
  default: string;
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  default?: unknown;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  required?: string[];
};

/** Every key of finops.yml with its type and default, read from the zod schema itself. */
export function configKeys(): ConfigKeyDoc[] {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: ConfigKeyDoc[] = [];
  const walk = (s: JsonSchema, key: string, required: boolean) => {
    if (s.type === 'object' && s.properties && key.split('.').length < 3 && !key.endsWith('tags')) {
      for (const [k, v] of Object.entries(s.properties)) {
        walk(v, key ? `${key}.${k}` : k, (s.required ?? []).includes(k));
      }
      return;
    }
    const def = s.default !== undefined ? JSON.stringify(s.default) : required ? 'required' : '—';
    const type = s.enum ? s.enum.map((e) => JSON.stringify(e)).join(' \\| ') : (s.type ?? 'date');
    out.push({ key, type, default: def });
    if (s.type === 'array' && s.items?.properties) {
      for (const [k, v] of Object.entries(s.items.properties)) {
        walk(v, `${key}[].${k}`, (s.items.required ?? []).includes(k));
      }
    }
  };
  walk(root, '', true);
  return out;
}
