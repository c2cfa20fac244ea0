// `npm run docs:events`: writes docs/events.md from the event catalogs.
import { writeFileSync } from 'node:fs';
import { allEventCatalogs } from '../src/catalogs.ts';
import { renderEventsDoc } from '../src/domain/events-doc.ts';

writeFileSync(new URL('../docs/events.md', import.meta.url), renderEventsDoc(allEventCatalogs));
