/**
 * Prints the order workflows' search attributes, one `<name> <type>` line each in the Temporal CLI's spelling, for
 * deploy/temporal-setup.sh (`temporal operator search-attribute create --name <name> --type <type>`): the list lives
 * in one place, the workflows.
 */
import { CLI_TYPE_NAMES } from '../lib/temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../lib/names';

for (const k of SEARCH_ATTRIBUTE_KEYS) process.stdout.write(`${k.name} ${CLI_TYPE_NAMES[k.type]}\n`);
