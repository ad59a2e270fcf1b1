import { join } from 'node:path';
import { SENSITIVE_MASK } from '@periscope/backstage-plugin-module-deploy-common';
import { describeIf } from '@periscope/test-utils';
import { valuesSchema } from './schema';
import { parseConfigDocs, withFieldDocs } from './schemaDocs';
import { cueForTests } from '../__testUtils__/environment';

// The shape `cue def . -e timoni.instance.config` prints (values first, then #Config's source).
const DEF = `package main

import (
	"timoni.sh/web/templates"
	timoniv1 "timoni.sh/core/v1alpha1"
)

_#def
_#def: templates.#Config & {
	message: "Hello"
} & {
	// The number of pods replicas.
	// By default, the number of replicas is 1.
	replicas: *1 | int & >0

	// How the kubelet pulls the image.
	pullPolicy: *"IfNotPresent" | "Always" | "Never"

	// Not a doc comment of the next field: a blank line follows.

	tier: "frontend" | "backend"

	// Settings of the Service.
	service: {
		annotations?: timoniv1.#Annotations

		// The port of the Service.
		port: *80 | int & >0 & <=65535
		// The protocol it speaks.
		"app-protocol": *"http" | "grpc"
	}

	// Hidden from values: definitions are skipped.
	#Internal: {
		// never a values field
		secret: "x" | "y"
	}
	debug: *false | true
	metadata: timoniv1.#Metadata & {
		#Version: "1.0.0"
		// Labels added to every object.
		labels: timoniv1.#Labels
	}
}
`;

// The shape `cue def --inline-imports` prints: imported definitions as let blocks, used by name.
const INLINE = `_#def
_#def: {
	// The container image.
	image!: IMAGE.#x
	sidecar: {
		image: IMAGE.#x & {
			// Overridden here.
			tag: *"1.0" | "2.0"
		}
	}
	// A list of them: not a struct, nothing to add.
	extra: [...IMAGE.#x]
}

//cue:path: "timoni.sh/core/v1alpha1".#Image
let IMAGE = {
	#x: {
		// Tag identifies an image in the repository.
		tag!: string

		// PullPolicy defines the pull policy for the image.
		pullPolicy: *"IfNotPresent" | "Always" | "Never"

		// How to verify it.
		verify?: VERIFY.#x
	}
}

let VERIFY = {
	#x: {
		// The signing key.
		key: string
	}
}
`;

describe('parseConfigDocs with inlined imports', () => {
  const docs = parseConfigDocs(INLINE);

  it('gives the fields of an imported definition the docs of its source, nested ones included', () => {
    expect(docs.get('image')?.description).toBe('The container image.');
    expect(docs.get('image.tag')?.description).toBe(
      'Tag identifies an image in the repository.',
    );
    expect(docs.get('image.pullPolicy')).toEqual({
      description: 'PullPolicy defines the pull policy for the image.',
      enum: ['IfNotPresent', 'Always', 'Never'],
    });
    expect(docs.get('image.verify.key')?.description).toBe('The signing key.');
    expect(docs.get('sidecar.image.pullPolicy')?.enum).toEqual([
      'IfNotPresent',
      'Always',
      'Never',
    ]);
  });

  it("keeps a field's own docs over the definition's, and no definition paths or cue:path comments", () => {
    expect(docs.get('sidecar.image.tag')).toEqual({
      description: 'Overridden here.',
      enum: ['1.0', '2.0'],
    });
    expect(
      [...docs.keys()].every(k => !k.includes('#') && !k.startsWith('\u0000')),
    ).toBe(true);
    expect(
      [...docs.values()].some(d => d.description?.includes('cue:path')),
    ).toBe(false);
    expect(docs.has('extra.tag')).toBe(false);
  });

  it('stops on a definition that refers to itself', () => {
    const loop = parseConfigDocs(
      '_#def: {\n\tnode: NODE.#x\n}\nlet NODE = {\n\t#x: {\n\t\t// The next one.\n\t\tnext?: NODE.#x\n\t}\n}\n',
    );
    expect(loop.get('node.next')?.description).toBe('The next one.');
    expect(loop.size).toBeLessThanOrEqual(12);
  });
});

describe('parseConfigDocs', () => {
  const docs = parseConfigDocs(DEF);

  it('keys doc comments by the dotted path of their field, nested structs included', () => {
    expect(docs.get('replicas')).toEqual({
      description:
        'The number of pods replicas. By default, the number of replicas is 1.',
    });
    expect(docs.get('service')?.description).toBe('Settings of the Service.');
    expect(docs.get('service.port')?.description).toBe(
      'The port of the Service.',
    );
    expect(docs.get('metadata.labels')?.description).toBe(
      'Labels added to every object.',
    );
  });

  it('reads disjunctions of literals as allowed values, quoted field names included', () => {
    expect(docs.get('pullPolicy')).toEqual({
      description: 'How the kubelet pulls the image.',
      enum: ['IfNotPresent', 'Always', 'Never'],
    });
    expect(docs.get('tier')).toEqual({ enum: ['frontend', 'backend'] });
    expect(docs.get('service.app-protocol')?.enum).toEqual(['http', 'grpc']);
  });

  it('skips definitions, booleans, open types and comments separated by a blank line', () => {
    expect(
      [...docs.keys()].some(
        k => k.includes('Internal') || k.includes('secret'),
      ),
    ).toBe(false);
    expect(docs.has('debug')).toBe(false);
    expect(docs.get('service.annotations')).toBeUndefined();
    expect(docs.get('tier')?.description).toBeUndefined();
  });

  it.each([
    ['empty text', ''],
    ['not CUE', '{{{ ]] "unterminated'],
    ['closing braces only', '}\n}\n}\nreplicas: *1 | 2'],
    ['an error message', 'build constraints exclude all CUE files in .'],
  ])('returns what it can read, without throwing, for %s', (_what, text) => {
    expect(() => parseConfigDocs(text)).not.toThrow();
  });
});

describe('withFieldDocs', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      replicas: { type: 'integer' as const, default: 1 },
      pullPolicy: { type: 'string' as const, default: 'IfNotPresent' },
      tier: { type: 'string' as const, default: 'edge' },
      service: {
        type: 'object' as const,
        properties: { port: { type: 'integer' as const, default: 80 } },
      },
    },
  };

  it('adds descriptions and enums to the fields the schema has, and nothing else', () => {
    const out = withFieldDocs(schema, parseConfigDocs(DEF));
    expect(out.properties?.replicas?.description).toMatch(
      /^The number of pods replicas/,
    );
    expect(out.properties?.pullPolicy?.enum).toEqual([
      'IfNotPresent',
      'Always',
      'Never',
    ]);
    expect(out.properties?.service?.properties?.port?.description).toBe(
      'The port of the Service.',
    );
    expect(Object.keys(out.properties ?? {})).toEqual([
      'replicas',
      'pullPolicy',
      'tier',
      'service',
    ]);
    expect(schema.properties.replicas).not.toHaveProperty('description');
  });

  it('drops an enum that does not contain the default, rather than contradict the module', () => {
    const out = withFieldDocs(schema, parseConfigDocs(DEF));
    expect(out.properties?.tier?.enum).toBeUndefined();
  });
});

// `@periscope(sensitive)` as `cue def` prints it: after the value, and after a struct's closing brace.
const SENSITIVE_DEF = `_#def
_#def: {
	// The database password.
	dbPass: *"" | string @periscope(sensitive)
	mode: *"a" | "b" @periscope(sensitive) @other(x)
	apiToken?: string @periscope( sensitive )
	conn: {
		host: *"db" | string
	} @periscope(sensitive)
	plain: *"x" | string @other(sensitive)
}
`;

describe('sensitive fields (@periscope(sensitive))', () => {
  const docs = parseConfigDocs(SENSITIVE_DEF);

  it('reads the attribute on a field and on the closing brace of a struct field, and keeps the enum', () => {
    expect(docs.get('dbPass')).toEqual({
      description: 'The database password.',
      sensitive: true,
    });
    expect(docs.get('mode')).toEqual({ enum: ['a', 'b'], sensitive: true });
    expect(docs.get('apiToken')).toEqual({ sensitive: true });
    expect(docs.get('conn')).toEqual({ sensitive: true });
    expect(docs.has('conn.host')).toBe(false);
    expect(docs.has('plain')).toBe(false);
  });

  it('marks them in the schema, adds optional ones the export lacks, and masks their defaults', () => {
    const out = withFieldDocs(
      {
        type: 'object',
        properties: {
          dbPass: { type: 'string', default: 'changeme' },
          mode: { type: 'string', default: 'a' },
          conn: {
            type: 'object',
            properties: { host: { type: 'string', default: 'db' } },
            default: { host: 'db' },
          },
          plain: { type: 'string', default: 'x' },
        },
        default: {
          dbPass: 'changeme',
          mode: 'a',
          conn: { host: 'db' },
          plain: 'x',
        },
      },
      docs,
    );
    expect(out.properties?.dbPass).toEqual({
      type: 'string',
      default: SENSITIVE_MASK,
      sensitive: true,
      description: 'The database password.',
    });
    expect(out.properties?.apiToken).toEqual({ sensitive: true });
    expect(out.properties?.conn?.sensitive).toBe(true);
    expect(out.properties?.conn?.properties?.host?.default).toBe(
      SENSITIVE_MASK,
    );
    expect(out.properties?.plain).toEqual({ type: 'string', default: 'x' });
    expect(out.default).toEqual({
      dbPass: SENSITIVE_MASK,
      mode: SENSITIVE_MASK,
      conn: { host: SENSITIVE_MASK },
      plain: 'x',
    });
  });
});

// `@periscope(common)` as `cue def` prints it, alone, with other flags, and on a struct's closing brace.
const COMMON_DEF = `_#def
_#def: {
	// How many pods.
	replicas: *1 | int & >0 @periscope(common)
	dbPass: *"" | string @periscope(common, sensitive)
	image: {
		tag: *"1.0" | string
	} @periscope(common)
	other: *"x" | string @periscope(uncommon) @other(common)
}
`;

describe('common fields (@periscope(common))', () => {
  const docs = parseConfigDocs(COMMON_DEF);

  it('reads the attribute on a field, beside sensitive, and on the closing brace of a struct field', () => {
    expect(docs.get('replicas')).toEqual({
      description: 'How many pods.',
      common: true,
    });
    expect(docs.get('dbPass')).toEqual({ common: true, sensitive: true });
    expect(docs.get('image')).toEqual({ common: true });
    expect(docs.has('image.tag')).toBe(false);
    expect(docs.has('other')).toBe(false);
  });

  it('marks them common in the schema, and only them', () => {
    const out = withFieldDocs(
      {
        type: 'object',
        properties: {
          replicas: { type: 'integer', default: 1 },
          image: {
            type: 'object',
            properties: { tag: { type: 'string', default: '1.0' } },
          },
          other: { type: 'string', default: 'x' },
        },
      },
      docs,
    );
    expect(out.properties?.replicas?.common).toBe(true);
    expect(out.properties?.image?.common).toBe(true);
    expect(out.properties?.image?.properties?.tag?.common).toBeUndefined();
    expect(out.properties?.other?.common).toBeUndefined();
  });
});

const cue = cueForTests();
describeIf({ cue })('valuesSchema of a module with sensitive fields', () => {
  it('marks the fields the module marks and those named like secrets (the fixture sensitive-module)', async () => {
    const schema = await valuesSchema({
      cueBin: cue as string,
      moduleDir: join(__dirname, '..', '__fixtures__', 'sensitive-module'),
    });
    expect(schema.properties?.dbPass).toMatchObject({
      type: 'string',
      sensitive: true,
      description: expect.stringMatching(/^The database password/),
    });
    expect(schema.properties?.apiToken).toMatchObject({ sensitive: true });
    expect(schema.properties?.conn?.sensitive).toBe(true);
    expect(schema.properties?.message?.sensitive).toBeUndefined();
  });
});

describeIf({ cue })('valuesSchema of examples/modules/minimal', () => {
  it('marks the fields the example marks @periscope(common), and no others', async () => {
    const schema = await valuesSchema({
      cueBin: cue as string,
      moduleDir: join(
        __dirname,
        '..',
        '..',
        '..',
        '..',
        'examples',
        'modules',
        'minimal',
      ),
    });
    const common = Object.entries(schema.properties ?? {})
      .filter(([, s]) => s.common)
      .map(([k]) => k)
      .sort();
    expect(common).toEqual(['image', 'message', 'replicas', 'resources']);
  });
});
