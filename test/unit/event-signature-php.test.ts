// The PHP verifier README gives Welcart shops (Events to the shop), run as printed there against what the engine signs
// (lib/event-signature.ts). .ci/run installs php-cli; without PHP on the machine the test says so and is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signEvent } from '../../lib/event-signature';

const hasPhp = spawnSync('php', ['--version']).status === 0;
if (!hasPhp) console.warn('php is not installed: the PHP verifier of README is not checked here (.ci/run installs php-cli)');

/** The function of the PHP snippet in README, exactly as printed. */
function phpFunction(): string {
  const doc = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const block = /```php\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('README has no php block');
  const fn = /function engine_event_is_signed[\s\S]*?\n}\n/.exec(block)?.[0];
  if (!fn) throw new Error('the php block has no engine_event_is_signed function');
  return fn;
}

function phpAccepts(body: string, header: string, secret: string): boolean {
  const script = `${phpFunction()}\n$in = json_decode(stream_get_contents(STDIN), true);\necho engine_event_is_signed($in['body'], $in['header'], $in['secret']) ? 'yes' : 'no';`;
  return execFileSync('php', ['-r', script], { input: JSON.stringify({ body, header, secret }) }).toString() === 'yes';
}

(hasPhp ? describe : describe.skip)('the PHP verifier in README', () => {
  const secret = 'whsec_php_test_secret_0123456789abcdef';
  const body = JSON.stringify({ id: 'evt_1', type: 'payment.captured', orderId: 'W-1', seq: 1, data: { amount: { amount: 1200, currency: 'JPY' }, note: '日本語' } });
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts what the engine signs, also with the previous secret of a rotation second', () => {
    expect(phpAccepts(body, signEvent(body, [secret], now()), secret)).toBe(true);
    expect(phpAccepts(body, signEvent(body, ['whsec_new_one_0123456789abcdef0123'], now()).concat(`,v1=${signEvent(body, [secret], now()).split('v1=')[1]}`), secret)).toBe(true);
  });

  it('refuses a changed body, another secret, an old timestamp and a header without a signature', () => {
    expect(phpAccepts(body.replace('1200', '12000'), signEvent(body, [secret], now()), secret)).toBe(false);
    expect(phpAccepts(body, signEvent(body, ['whsec_someone_else_0123456789abcdef'], now()), secret)).toBe(false);
    expect(phpAccepts(body, signEvent(body, [secret], now() - 600), secret)).toBe(false);
    expect(phpAccepts(body, `t=${now()}`, secret)).toBe(false);
    expect(phpAccepts(body, '', secret)).toBe(false);
  });
});
