// STIX 2.1 Patterning parser (STIX 2.1 §9).
import fs from 'node:fs';
import path from 'node:path';
import {
  MAX_NESTING_DEPTH,
  MAX_PATTERN_BYTES,
  parsePattern,
  validatePattern,
  type PatternAst,
} from '../../src/stix/patterning/pattern-parser';

const SHARED = path.resolve(__dirname, '../../../shared');
const EXAMPLES = path.join(SHARED, 'oasis/cti-stix2-json-schemas/examples');
const PIVY = path.join(SHARED, 'datasets/fireeye-pivy-report-with-indicators.json');

function ast(pattern: string): PatternAst {
  const result = parsePattern(pattern);
  if (!result.ok) throw new Error(`expected ${pattern} to parse, got: ${result.error}`);
  return result.ast;
}

function errorOf(pattern: string): { error: string; position: number } {
  const result = parsePattern(pattern);
  if (result.ok) throw new Error(`expected ${pattern} to be rejected`);
  return result;
}

// Every pattern of STIX 2.1 §9 that is a complete pattern (the operator-table examples are
// wrapped in brackets), then further forms the grammar allows. String.raw keeps the
// backslashes exactly as they appear in the (non-JSON-encoded) pattern text.
const SPEC_EXAMPLES: string[] = [
  // §9.1 Definitions
  String.raw`[ipv4-addr:value = '203.0.113.1' OR ipv4-addr:value = '203.0.113.2']`,
  String.raw`([ipv4-addr:value = '198.51.100.5'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.10'])`,
  String.raw`([ipv4-addr:value = '198.51.100.5' ] AND [ipv4-addr:value = '198.51.100.10']) WITHIN 300 SECONDS`,
  String.raw`[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
  String.raw`[ipv4-addr:value = '198.51.100.5'] AND [ ipv4-addr:value = '198.51.100.10']`,
  String.raw`[file:size = 25536]`,
  // §9.3 STIX Patterns
  String.raw`[ipv4-addr:value = '198.51.100.1/32']`,
  String.raw`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']`,
  String.raw`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] REPEATS 5 TIMES`,
  String.raw`([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS`,
  // §9.5 Observation Expressions, §9.5.1 Qualifiers
  String.raw`[ network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58' ]`,
  String.raw`([file:hashes.'SHA-256' = '13987239847...'] AND [windows-registry-key:key = 'hkey']) WITHIN 120 SECONDS`,
  // §9.6.1 Comparison Operators and Set Operators
  String.raw`[file:name = 'foo.dll']`,
  String.raw`[file:size != 4112]`,
  String.raw`[file:size > 256]`,
  String.raw`[file:size < 1024]`,
  String.raw`[file:size <= 25145]`,
  String.raw`[file:size >= 33312]`,
  String.raw`[process:name IN ('proccy', 'proximus', 'badproc')]`,
  String.raw`[directory:path LIKE 'C:\\Windows\\%\\foo']`,
  String.raw`[directory:path MATCHES '^C:\\\\Windows\\w+$']`,
  String.raw`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`,
  String.raw`[ipv4-addr:value ISSUPERSET '198.51.100.0/24']`,
  String.raw`[EXISTS windows-registry-key:values]`,
  // §9.6.4 Native Format Comparison
  String.raw`[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']`,
  String.raw`[artifact:payload_bin = 'this is a test']`,
  String.raw`[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']`,
  String.raw`[artifact:payload_bin = h'7468697320697320612074657374']`,
  // §9.7 Object Path Syntax (each path in a comparison)
  String.raw`[file:size = 1]`,
  String.raw`[network-traffic:protocols[0] = 'tcp']`,
  String.raw`[file:hashes.ssdeep = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']`,
  String.raw`[file:extensions.'raster-image-ext'.image_height > 1000]`,
  String.raw`[email-message:from_ref.value = 'jdoe@example.com']`,
  String.raw`[directory:contains_refs[*].name = 'evil.exe']`,
  // §9.8 Examples
  String.raw`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
  String.raw`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
  String.raw`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
  String.raw`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']` +
    '\n' +
    String.raw`AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
  String.raw`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
  String.raw`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
  String.raw`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
  String.raw`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
  String.raw`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
  String.raw`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
  String.raw`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
  String.raw`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`,
  String.raw`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
  String.raw`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
  String.raw`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
  String.raw`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
  String.raw`[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']`,
  String.raw`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
  String.raw`[x-usb-device:usbdrive.serial_number = '575833314133343231313937']`,
  String.raw`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
  String.raw`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
  String.raw`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:image_ref.name = 'fooproc' OR process:image_ref.name = 'procfoo']`,
];

const MORE_VALID: string[] = [
  // §9.5 placeholders (type-a, [ a = 'b' ]) written as real paths
  String.raw`[(type-a:'property-j' = 'W' AND type-a:'property-k' = 'X') OR (type-b:'property-m' = 'Y' AND type-b:'property-n' = 'Z')]`,
  String.raw`[x-type-a:j = 'W' AND x-type-a:k = 'X' OR x-type-a:l = 'Z']`,
  String.raw`[x-aaa:a = 'b'] FOLLOWEDBY [x-ccc:c = 'd'] REPEATS 5 TIMES`,
  String.raw`([x-aaa:a = 'b'] FOLLOWEDBY [x-ccc:c = 'd']) REPEATS 5 TIMES`,
  String.raw`([x-aaa:a = 1] AND [x-bbb:b = 2] REPEATS 5 TIMES) WITHIN 300 SECONDS`,
  String.raw`([x-aaa:a = 1] AND [x-bbb:b = 2]) REPEATS 5 TIMES WITHIN 300 SECONDS`,
  // constants
  String.raw`[file:name = 'it\'s a \\ test']`,
  String.raw`[file:size = -5]`,
  String.raw`[file:x_score = -0.25]`,
  String.raw`[file:x_score >= .5]`,
  String.raw`[file:x_flag = true OR file:x_flag = false]`,
  String.raw`[file:created > t'2016-02-29T23:59:59.123456789Z']`,
  String.raw`[artifact:payload_bin = b'ABI=']`,
  "[artifact:payload_bin = b'dGhpcyBp\ncyBhIHRl\r\nc3Q=']",
  String.raw`[artifact:payload_bin = b'']`,
  String.raw`[file:magic_number_hex = h'FFd8']`,
  String.raw`[network-traffic:dst_port IN (80, 443, 8080.0)]`,
  String.raw`[file:size = 9007199254740991]`,
  String.raw`[file:name = '']`,
  String.raw`[file:name = 'ünïcødé ✓ 😀']`,
  // operators with NOT, unusual spacing
  String.raw`[file:name NOT = 'a' AND file:name NOT LIKE 'b%' AND file:size NOT > 5]`,
  String.raw`[file:name NOT IN ('a', 'b') OR file:name NOT MATCHES '^x']`,
  String.raw`[ipv6-addr:value NOT ISSUBSET '2001:db8::/32' AND ipv6-addr:value ISSUPERSET '::ffff:192.0.2.1']`,
  String.raw`[NOT EXISTS file:hashes.MD5 AND EXISTS file:name]`,
  String.raw`[file:name = 'a' AND file:size = 1] OR [file:name = 'b'] FOLLOWEDBY [file:name = 'c'] WITHIN 5 SECONDS`,
  "\t[\nfile:name\u00a0=\u2003'a'\r\n]\u3000WITHIN\n10.5\nSECONDS\n",
  String.raw`[file : name = 'a']`,
  // paths
  String.raw`[x-custom-type:x_prop = 'a']`,
  String.raw`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0 AND file:extensions.'windows-pebinary-ext'.sections[0].name = '.text']`,
  String.raw`[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = 'gzip']`,
  String.raw`[file:'name' = 'quoted first component']`,
  String.raw`[exists:not = 1 AND exists:in = 2]`,
  // type rule: AND operands share a possible type
  String.raw`[(file:name = 'a' OR ipv4-addr:value = '1.2.3.4') AND file:size = 1]`,
  String.raw`[(file:name = 'a' OR domain-name:value = 'b.com') AND (domain-name:value = 'c.com' OR url:value = 'x')]`,
  String.raw`[file:name = 'a'] AND [ipv4-addr:value = '1.2.3.4']`,
  // qualifiers
  String.raw`[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2016-01-01T00:00:00.001Z'`,
  String.raw`[file:name = 'a'] REPEATS 2 TIMES WITHIN 5 SECONDS START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'`,
  String.raw`([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 10 SECONDS`,
];

describe('valid patterns', () => {
  test.each(SPEC_EXAMPLES)('STIX 2.1 §9 example: %s', (pattern) => {
    expect(validatePattern(pattern)).toBeUndefined();
  });

  test.each(MORE_VALID)('%j', (pattern) => {
    expect(validatePattern(pattern)).toBeUndefined();
  });

  function examplePatterns(): string[] {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.json')) {
          const doc = JSON.parse(fs.readFileSync(full, 'utf8')) as { objects?: Record<string, unknown>[] };
          for (const o of doc.objects ?? []) {
            if (o.type === 'indicator' && (o.pattern_type ?? 'stix') === 'stix') found.push(String(o.pattern));
          }
        }
      }
    };
    walk(EXAMPLES);
    return found;
  }

  test.each(examplePatterns())('cti-stix2-json-schemas example indicator: %s', (pattern) => {
    expect(validatePattern(pattern)).toBeUndefined();
  });

  test('every stix indicator pattern in the FireEye Poison Ivy bundle parses', () => {
    const bundle = JSON.parse(fs.readFileSync(PIVY, 'utf8')) as { objects: Record<string, unknown>[] };
    const patterns = bundle.objects
      .filter((o) => o.type === 'indicator' && o.pattern_type === 'stix')
      .map((o) => String(o.pattern));
    expect(patterns.length).toBe(1019);
    const failures = patterns.map((p) => ({ p, error: validatePattern(p) })).filter((f) => f.error !== undefined);
    expect(failures).toEqual([]);
  });
});

describe('precedence and structure', () => {
  const kinds = (node: PatternAst): unknown =>
    node.kind === 'observation'
      ? (node.comparison.kind === 'comparison' ? node.comparison.path.objectType : node.comparison.kind)
      : node.kind === 'group'
        ? { group: kinds(node.expression), q: node.qualifiers.map((q) => q.kind) }
        : { [node.kind]: node.operands.map(kinds) };

  test('observation operators: AND binds tighter than OR, OR tighter than FOLLOWEDBY (§9.5.3)', () => {
    expect(kinds(ast('[x-aaa:p = 1] AND [x-bbb:p = 2] OR [x-ccc:p = 3]'))).toEqual({
      'observation-or': [{ 'observation-and': ['x-aaa', 'x-bbb'] }, 'x-ccc'],
    });
    expect(kinds(ast('[x-aaa:p = 1] OR [x-bbb:p = 2] FOLLOWEDBY [x-ccc:p = 3]'))).toEqual({
      followedby: [{ 'observation-or': ['x-aaa', 'x-bbb'] }, 'x-ccc'],
    });
    expect(kinds(ast('[x-aaa:p = 1] FOLLOWEDBY [x-bbb:p = 2] AND [x-ccc:p = 3] FOLLOWEDBY [x-ddd:p = 4]'))).toEqual({
      followedby: ['x-aaa', { 'observation-and': ['x-bbb', 'x-ccc'] }, 'x-ddd'],
    });
    expect(kinds(ast('[x-aaa:p = 1] AND ([x-bbb:p = 2] OR [x-ccc:p = 3])'))).toEqual({
      'observation-and': ['x-aaa', { group: { 'observation-or': ['x-bbb', 'x-ccc'] }, q: [] }],
    });
  });

  test('comparison operators: AND binds tighter than OR (§9.5 example)', () => {
    const tree = ast("[x-type-a:j = 'W' AND x-type-a:k = 'X' OR x-type-a:l = 'Z']");
    expect(tree).toMatchObject({
      kind: 'observation',
      comparison: {
        kind: 'or',
        operands: [
          { kind: 'and', operands: [{ path: { steps: [{ name: 'j' }] } }, { path: { steps: [{ name: 'k' }] } }] },
          { kind: 'comparison', path: { steps: [{ name: 'l' }] } },
        ],
      },
    });
  });

  test("qualifiers are not greedy: '[b] FOLLOWEDBY [c] REPEATS 5 TIMES' repeats only [c] (§9.5.2)", () => {
    expect(ast("[x-aaa:a = 'b'] FOLLOWEDBY [x-ccc:c = 'd'] REPEATS 5 TIMES")).toMatchObject({
      kind: 'followedby',
      operands: [{ kind: 'observation', qualifiers: [] }, { kind: 'observation', qualifiers: [{ kind: 'repeats', times: 5 }] }],
    });
    expect(ast("([x-aaa:a = 'b'] FOLLOWEDBY [x-ccc:c = 'd']) REPEATS 5 TIMES WITHIN 2.5 SECONDS")).toMatchObject({
      kind: 'group',
      expression: { kind: 'followedby' },
      qualifiers: [
        { kind: 'repeats', times: 5 },
        { kind: 'within', seconds: 2.5 },
      ],
    });
  });

  test('constants, paths and operators are decoded', () => {
    expect(
      ast(String.raw`[file:extensions.'windows-pebinary-ext'.sections[*].entropy NOT > 7.0 AND file:x[3] = 'it\'s \\ ok']`),
    ).toMatchObject({
      comparison: {
        operands: [
          {
            operator: '>',
            negated: true,
            value: { type: 'float', value: 7 },
            path: {
              objectType: 'file',
              steps: [
                { kind: 'property', name: 'extensions' },
                { kind: 'property', name: 'windows-pebinary-ext' },
                { kind: 'property', name: 'sections' },
                { kind: 'any-index' },
                { kind: 'property', name: 'entropy' },
              ],
            },
          },
          { path: { steps: [{ name: 'x' }, { kind: 'index', index: 3 }] }, value: { type: 'string', value: "it's \\ ok" } },
        ],
      },
    });
    expect(ast("[artifact:payload_bin = b'ABI\n=' AND artifact:payload_bin IN (h'ff', h'00')]")).toMatchObject({
      comparison: {
        operands: [
          { value: { type: 'binary', value: 'ABI=' } },
          { operator: 'IN', values: [{ type: 'hex', value: 'ff' }, { type: 'hex', value: '00' }] },
        ],
      },
    });
    expect(ast("[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'")).toMatchObject({
      qualifiers: [{ kind: 'start-stop', start: '2016-01-01T00:00:00Z', stop: '2016-02-01T00:00:00Z' }],
    });
    expect(ast('[NOT EXISTS file:name]')).toMatchObject({ comparison: { operator: 'EXISTS', negated: true, position: 1 } });
  });
});

// [pattern, what the message must say]. The regexes pin the key part of each message.
const INVALID: [string, RegExp][] = [
  ['', /pattern is empty; expected an observation expression/],
  ['   \n ', /pattern is empty/],
  ["[file:name = 'x'", /expected '\]' to close the observation expression opened at position 0, but found the end of the pattern at position 16/],
  ["file:name = 'x'", /expected '\[' at position 0 to start an observation expression/],
  ["[file:name = 'x']]", /unbalanced '\]' at position 17/],
  ["([file:name = 'x']", /expected '\)' to close the parenthesis opened at position 0/],
  ["[file:name = 'x'])", /unbalanced '\)' at position 17: there is no open '\('/],
  ["[file:name = 'abc]", /unterminated string starting at position 13: add the closing apostrophe/],
  ["[file:created = t'2016-01-01T00:00:00Z]", /unterminated timestamp constant starting at position 16/],
  ['[]', /observation expression at position 0 is empty/],
  ['[ ] AND [file:name = 1]', /observation expression at position 0 is empty/],
  ["[file:name 'x']", /expected a comparison operator \(=, !=.*\) after the object path 'file:name', but found the string 'x' at position 11/],
  ['[file:name = ]', /expected a value .* after '=', but found '\]' at position 13/],
  ["[file:name CONTAINS 'x']", /unknown comparison operator 'CONTAINS' at position 11; expected one of/],
  // Keywords are upper case and booleans lower case, as in the OASIS grammar (stix2-patterns refuses the rest).
  ["[file:name = 'a' and file:size = 1]", /found 'and' at position 17 \(pattern keywords are upper case: write AND/],
  ["[file:name = 'a'] or [file:name = 'b']", /found 'or' at position 18 \(pattern keywords are upper case: write OR/],
  ["[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] within 5 SECONDS", /'within' at position 47 \(pattern keywords are upper case: write WITHIN/],
  ["[file:name = 'a'] WITHIN 5 seconds", /'seconds' at position 27 \(pattern keywords are upper case: write SECONDS/],
  ["[file:name = 'a'] REPEATS 2 Times", /'Times' at position 28 \(pattern keywords are upper case: write TIMES/],
  ["[file:name like 'a%']", /unknown comparison operator 'like' at position 11 \(pattern keywords are upper case: write LIKE/],
  ["[file:name not = 'a']", /'not' at position 11 \(pattern keywords are upper case: write NOT/],
  ["[exists file:name]", /found 'file' at position 8 \(if 'exists' was meant as a keyword: pattern keywords are upper case: write EXISTS/],
  ['[email-message:is_multipart = TRUE]', /found 'TRUE' at position 30 \(boolean constants are lower case: write true, STIX 2.1 §9.2\)$/],
  ['[email-message:is_multipart = False]', /found 'False' at position 30 \(boolean constants are lower case: write false/],
  ["[file:name == 'x']", /'==' at position 11 is not a STIX comparison operator; use '='/],
  ["[file:name <> 'x']", /'<>' at position 11 is not a STIX comparison operator; use '!='/],
  ["[file:name ! 'x']", /unexpected '!' at position 11/],
  ["[File:name = 'x']", /invalid object type 'File' at position 1: an object type must start with a lowercase letter/],
  ["[fi:name = 'x']", /invalid object type 'fi' at position 1: an object type must be 3–250 characters long/],
  ["[x_custom:name = 'x']", /invalid object type 'x_custom'.*'_' is not allowed/],
  ["[x--custom:name = 'x']", /invalid object type 'x--custom'.*single hyphens/],
  ["[file = 'x']", /expected ':' after the object type 'file' at position 1/],
  [
    "[file:name = 'x' AND ipv4-addr:value = '1.2.3.4']",
    /joined by AND must be satisfiable by the same object \(STIX 2\.1 §9\.5\), but the AND at position 17 joins a comparison on 'file' with one on 'ipv4-addr'/,
  ],
  [
    "[(file:name = 'x' OR ipv4-addr:value = '1.2.3.4') AND domain-name:value = 'a.com']",
    /AND at position 50 joins a comparison on 'file' or 'ipv4-addr' with one on 'domain-name'/,
  ],
  ["[network-traffic:src_ref.value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.4' OR file:name = 'x']", /same object/],
  ["[file:name = 'x'] garbage", /expected AND, OR, FOLLOWEDBY, a qualifier .* but found 'garbage' at position 18/],
  ["[file:name = 'x'] @", /unexpected character '@' \(U\+0040\) at position 18/],
  ["[file:name = 'x'] [file:name = 'y']", /expected AND, OR, FOLLOWEDBY.*but found '\[' at position 18/],
  ["[file:name = 'x'] AND ([file:name = 'y'] [file:name = 'z'])", /join observation expressions with AND, OR or FOLLOWEDBY/],
  ["[file:name = 'x'] AND", /expected an observation expression starting with '\[' or '\(', but found the end of the pattern at position 21/],
  ["[file:name = 'x'] FOLLOWEDBY", /expected an observation expression/],
  ["[file:name = 'x' AND]", /expected a comparison expression such as file:name = 'foo.exe', but found '\]' at position 20/],
  ["[file:name = 'x' OR ]", /expected a comparison expression/],
  ['()', /empty parentheses at position 0: put observation expressions between them/],
  ['[()]', /empty parentheses at position 1: put a comparison expression between them/],
  ["[file:name = 'x' AND (file:size = 1]", /expected '\)' to close the parenthesis opened at position 21.*close the parenthesis before/],
  ["[file:created = t'2016-13-01T00:00:00Z']", /invalid timestamp t'2016-13-01T00:00:00Z' at position 16: month 13 does not exist/],
  ["[file:created = t'2016-01-01 00:00:00Z']", /invalid timestamp .* must have the form YYYY-MM-DDTHH:mm:ss\[\.s\+\]Z/],
  ["[file:created = t'2016-01-01T00:00:00+01:00']", /time zone must be 'Z'/],
  ["[file:created = t'2016-01-01T00:00:00z']", /time zone must be 'Z'/],
  ["[file:created = t'2015-02-29T00:00:00Z']", /day 29 does not exist in 2015-02/],
  ["[file:created = t'2016-01-01T24:00:00Z']", /hour 24 is out of range/],
  ["[file:created = t'2016-01-01T00:00:60Z']", /second 60 is out of range/],
  ["[file:created = t'2016-01-01T00:00:00.Z']", /decimal point must be followed by at least one digit/],
  ['[file:name MATCHES 5]', /MATCHES at position 11 needs a string containing a regular expression.*but found the integer 5 at position 19/],
  ["[file:name MATCHES h'ff']", /MATCHES at position 11 needs a string.*but found a hex constant/],
  ['[file:name LIKE true]', /LIKE at position 11 needs a string pattern.*but found the boolean true/],
  ["[ipv4-addr:value ISSUBSET 'not-an-ip']", /invalid ISSUBSET value at position 26: it must be an IPv4 or IPv6 address or CIDR block/],
  ["[ipv4-addr:value ISSUPERSET '10.0.0.0/33']", /invalid ISSUPERSET value/],
  ['[file:name IN ()]', /the IN list at position 14 is empty/],
  ["[file:name IN ('a', 1)]", /IN list at position 14 mixes a string with the integer 1 at position 20/],
  ["[file:name IN 'a']", /IN at position 11 must be followed by a parenthesized list of values, .* but found the string 'a'/],
  ["[file:name IN ('a' 'b')]", /expected ',' or '\)' in the IN list opened at position 14/],
  ["[file:name IN ('a', )]", /expected a value .* after ',', but found '\)'/],
  ["[file:name = 'x'] REPEATS 0 TIMES", /REPEATS at position 18 needs a positive whole number of times, but found 0 at position 26/],
  ["[file:name = 'x'] REPEATS 2.5 TIMES", /REPEATS at position 18 needs a positive whole number of times, but found 2\.5/],
  ["[file:name = 'x'] REPEATS -3 TIMES", /positive whole number of times, but found -3/],
  ["[file:name = 'x'] REPEATS many TIMES", /REPEATS at position 18 needs a positive whole number of times, but found 'many'/],
  ["[file:name = 'x'] WITHIN 0 SECONDS", /WITHIN at position 18 needs a positive number of seconds, but found 0/],
  ["[file:name = 'x'] WITHIN -1.5 SECONDS", /WITHIN .* positive number of seconds, but found -1\.5/],
  ["[file:name = 'x'] WITHIN 5 MINUTES", /expected SECONDS after 'WITHIN 5', but found 'MINUTES' .*only time unit/],
  ["[file:name = 'x'] REPEATS 5", /expected TIMES after 'REPEATS 5', but found the end of the pattern/],
  ["[file:name = 'x'] START t'2016-01-01T00:00:00Z'", /expected STOP after the START timestamp of the qualifier at position 18/],
  ["[file:name = 'x'] START '2016-01-01T00:00:00Z' STOP '2017-01-01T00:00:00Z'", /START at position 18 must be followed by a timestamp constant/],
  ["[file:name = 'x'] START t'2017-01-01T00:00:00Z' STOP t'2016-01-01T00:00:00Z'", /STOP t'2016-01-01T00:00:00Z' at position 48 must be later than START/],
  ["[file:name = 'x'] START t'2016-01-01T00:00:00.5Z' STOP t'2016-01-01T00:00:00.50Z'", /must be later than START/],
  ["[file:name = 'x'] START t'2016-01-01T00:00:00Z' STOP t'2016-02-30T00:00:00Z'", /invalid timestamp.*day 30 does not exist in 2016-02/],
  ["[file:name = 'x'] STOP t'2016-01-01T00:00:00Z'", /but found 'STOP' at position 18/],
  ["[file:name = 'x'] WITHIN 5 SECONDS WITHIN 10 SECONDS", /already has a WITHIN qualifier \(at position 18\), so the one at position 35 is not allowed/],
  ["[file:name = 'x'] REPEATS 2 TIMES WITHIN 1 SECONDS REPEATS 3 TIMES", /already has a REPEATS qualifier/],
  [String.raw`[file:name = 'a\q']`, /invalid escape sequence '\\q' at position 15: only \\' \(apostrophe\) and \\\\ \(backslash\)/],
  [String.raw`[file:name = 'C:\Windows']`, /invalid escape sequence '\\W'/],
  ["[file:hashes.SHA-256 = 'x']", /property name 'SHA-256' at position 13 contains a hyphen, so it must be quoted/],
  [
    String.raw`[(type-a:property-j = 'W' AND type-a:property-k = 'X') OR (type-b:property-m = 'Y' AND type-b:property-n = 'Z')]`,
    /property name 'property-j' .* must be quoted/,
  ],
  ["[file:payload_bin = b'abc']", /invalid binary constant at position 20: base64 data must be a multiple of 4 characters/],
  ["[file:payload_bin = b'ab!c']", /invalid binary constant.*'!' is not a base64 character/],
  ["[file:payload_bin = b'a=bc']", /'=' padding may only appear at the end/],
  ["[file:magic_number_hex = h'abc']", /invalid hex constant at position 25: it has 3 hex digits; an even number is needed/],
  ["[file:magic_number_hex = h'zz']", /'z' is not a hexadecimal digit/],
  ["[file:name = x'abc']", /unknown constant prefix 'x' at position 13/],
  ["[file:name = T'2016-01-01T00:00:00Z']", /unknown constant prefix 'T'/],
  ['[file:name = foo]', /expected a value .* but found 'foo' at position 13; string values are quoted with apostrophes, as in 'foo'/],
  ['[file:name = "x"]', /unexpected double quote at position 13: STIX patterns quote strings .* with apostrophes/],
  ["[file:name = 'x' FOLLOWEDBY file:name = 'y']", /expected '\]' to close the observation expression opened at position 0.*FOLLOWEDBY joins observation expressions/],
  ["[file:name = 'x' WITHIN 5 SECONDS]", /qualifiers go after the closing '\]'/],
  ["[file:name = 'x' file:size = 1]", /use AND or OR to join another comparison expression/],
  ['[file:size > true]', /'>' at position 11 cannot order a boolean/],
  ['[file:size = 007]', /integer '007' at position 13 must not have leading zeros/],
  ['[file:size = +5]', /unexpected '\+' at position 13: positive numbers are written without a sign/],
  ['[file:size = 1e5]', /exponent notation in the number at position 13 is not supported/],
  ['[file:size = 1.]', /expected a digit after the decimal point in '1\.' at position 15/],
  ['[file:size = 9007199254740993]', /integer 9007199254740993 at position 13 is outside the range STIX allows/],
  ['[file:size = -]', /unexpected '-' at position 13/],
  ['[file:name NOT]', /expected a comparison operator .* after 'NOT', but found '\]'/],
  ['[file:name EXISTS]', /EXISTS at position 11 goes before the object path, as in EXISTS file:name/],
  ["[NOT file:name = 'x']", /NOT at position 1 must come after the object path, directly before the operator/],
  ["[file:names[-1] = 'x']", /list index -1 at position 12 is negative/],
  ["[file:names[a] = 'x']", /expected a list index \(an integer from 0 up, or '\*'\) after '\[', but found 'a' at position 12/],
  ["[file:names[0 = 'x']", /expected '\]' to close the list index opened at position 11/],
  ["[file: = 'x']", /expected a property name after 'file:', but found '=' at position 7/],
  ["[file:hashes. = 'x']", /expected a property name after '\.', but found '='/],
  ["[file:hashes.'' = 'x']", /empty quoted property name at position 13/],
];

describe('invalid patterns', () => {
  test.each(INVALID)('%j is rejected', (pattern, message) => {
    const result = errorOf(pattern);
    expect(result.error).toMatch(message);
    expect(result.position).toBeGreaterThanOrEqual(0);
    expect(result.position).toBeLessThanOrEqual(pattern.length);
    expect(validatePattern(pattern)).toBe(result.error);
  });

  test('the error position points at the problem', () => {
    expect(errorOf("[file:name = 'x' AND file:size = 1").position).toBe(34);
    expect(errorOf("[file:name = 'x' AND ipv4-addr:value = '1.2.3.4']").position).toBe(17);
    expect(errorOf("[file:created = t'2016-13-01T00:00:00Z']").position).toBe(16);
    expect(errorOf("[file:name = 'x'] garbage").position).toBe(18);
  });

  test('a non-string pattern is refused, not thrown on', () => {
    expect(parsePattern(42 as unknown as string)).toEqual({ ok: false, error: 'the pattern must be a string', position: 0 });
  });
});

describe('limits and speed', () => {
  // The best of five runs, so that a busy shared CI machine does not fail the test
  // through scheduling noise; a slow (non-linear) parser is slow on every run.
  const timed = <T>(fn: () => T): { value: T; ms: number } => {
    let best = Infinity;
    let value = fn();
    for (let run = 0; run < 5; run++) {
      const start = performance.now();
      value = fn();
      best = Math.min(best, performance.now() - start);
    }
    return { value, ms: best };
  };

  beforeAll(() => {
    // Warm the JIT up, as a running server would be, so the timings measure the parser
    // rather than V8's first interpretation of it. The warm-up patterns differ from the
    // measured ones.
    const warm = `[${Array.from({ length: 150 }, (_, i) => `file:name = 'w${i}' AND file:size > ${i}`).join(' OR ')}]`;
    for (let i = 0; i < 30; i++) {
      parsePattern(warm);
      parsePattern(`${"([x-warm:a = 1] FOLLOWEDBY [x-warm:b IN (1, 2)]) WITHIN 5 SECONDS AND ".repeat(50)}[x-warm:c = 'z']`);
    }
  });

  function orChain(bytes: number): string {
    const term = "ipv4-addr:value = '198.51.100.1'";
    const parts: string[] = [];
    let length = 2;
    while (length + term.length + 4 < bytes) {
      parts.push(term);
      length += term.length + 4;
    }
    return `[${parts.join(' OR ')}]`;
  }

  test('a 60 KiB pattern parses in well under 50 ms', () => {
    const pattern = orChain(60 * 1024);
    expect(pattern.length).toBeGreaterThan(59 * 1024);
    const { value, ms } = timed(() => parsePattern(pattern));
    expect(value.ok).toBe(true);
    expect(ms).toBeLessThan(50);
  });

  test('a 60 KiB chain of observation expressions and a 60 KiB string parse in well under 50 ms', () => {
    const obs = "[file:name = 'a'] FOLLOWEDBY ";
    const chain = obs.repeat(Math.floor((60 * 1024) / obs.length)) + "[file:name = 'b']";
    const escapes = `[file:name = '${"\\'\\\\".repeat(15 * 1024)}']`;
    for (const pattern of [chain, escapes]) {
      const { value, ms } = timed(() => parsePattern(pattern));
      expect(value.ok).toBe(true);
      expect(ms).toBeLessThan(50);
    }
  });

  test(`nesting up to ${MAX_NESTING_DEPTH} levels parses quickly; one more is refused quickly`, () => {
    const obs = (depth: number): string => `${'('.repeat(depth - 1)}[file:name = 'x']${')'.repeat(depth - 1)}`;
    const cmp = (depth: number): string => `[${'('.repeat(depth - 1)}file:name = 'x'${')'.repeat(depth - 1)}]`;
    for (const build of [obs, cmp]) {
      const ok = timed(() => parsePattern(build(MAX_NESTING_DEPTH)));
      expect(ok.value.ok).toBe(true);
      expect(ok.ms).toBeLessThan(50);
      const deep = timed(() => parsePattern(build(MAX_NESTING_DEPTH + 1)));
      expect(deep.value).toMatchObject({ ok: false, error: expect.stringMatching(/more than 64 levels deep at position 64/) });
      expect(deep.ms).toBeLessThan(50);
    }
    // 60 KiB of open parentheses is refused at the depth limit, not after reading them all.
    const { value, ms } = timed(() => parsePattern('('.repeat(60 * 1024)));
    expect(value).toMatchObject({ ok: false, position: 64 });
    expect(ms).toBeLessThan(50);
  });

  test(`patterns over ${MAX_PATTERN_BYTES} bytes (UTF-8) are refused before parsing`, () => {
    const long = orChain(MAX_PATTERN_BYTES + 100);
    const { value, ms } = timed(() => parsePattern(long));
    expect(value).toMatchObject({ ok: false, error: expect.stringMatching(/exceeds the 65536-byte \(64 KiB\) limit at position 65536/) });
    expect(ms).toBeLessThan(50);
    // 22,000 euro signs are 66,000 bytes in UTF-8 though only 22,000 characters.
    const wide = `[file:name = '${'€'.repeat(22000)}']`;
    expect(parsePattern(wide)).toMatchObject({ ok: false, error: expect.stringMatching(/64 KiB/) });
    expect(parsePattern(`[file:name = '${'€'.repeat(21000)}']`).ok).toBe(true);
  });

  test('hostile inputs stay linear: unterminated strings and long runs of operators', () => {
    const inputs = [
      `[file:name = '${'a'.repeat(60 * 1024)}`,
      `[file:name = '${'\\\\'.repeat(30 * 1024)}`,
      `[${"file:name = 'a' AND ".repeat(2900)}]`,
      `[${'file:name '.repeat(6000)}]`,
    ];
    for (const pattern of inputs) {
      const { value, ms } = timed(() => parsePattern(pattern));
      expect(value.ok).toBe(false);
      expect(ms).toBeLessThan(50);
    }
  });
});
