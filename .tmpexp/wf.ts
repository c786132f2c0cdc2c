import { sleep } from '@temporalio/workflow';
export async function sleeper(): Promise<string> { await sleep('30 days'); return 'done'; }
