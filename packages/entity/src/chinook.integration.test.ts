import { readFile } from 'node:fs/promises';
import { useTestDatabase } from '@x/test-services/vitest';
import { QueryTypes, Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Album,
  Artist,
  CHINOOK_ROWS,
  CHINOOK_SQL,
  type ChinookLoad,
  Customer,
  chinookStatements,
  Employee,
  Genre,
  Invoice,
  InvoiceLine,
  initChinookModels,
  loadChinook,
  MediaType,
  Track,
} from '../test/chinook.js';
import { EntityError } from './entity-error.js';
import { EntityManager } from './entity-manager.js';
import type { WhereFilters } from './filters.js';

// Every query through the manager is checked against hand-written SQL over the same data, so
// the expected values come from PostgreSQL itself, not from numbers copied into the test.

const database = useTestDatabase('postgres');
let sequelize: Sequelize;
let em: EntityManager;
let load: ChinookLoad;
/** Every statement Sequelize ran, in order (its logging hook). */
const statements: string[] = [];

beforeAll(async () => {
  sequelize = new Sequelize(database.url, {
    logging: (sql) => {
      statements.push(sql);
    },
  });
  initChinookModels(sequelize);
  load = await loadChinook(sequelize);
  em = new EntityManager(sequelize);
});

afterAll(async () => {
  await sequelize?.close();
});

/** Rows of hand-written SQL, run directly through Sequelize (not through the manager). */
async function sql<Row extends object>(text: string, bind?: unknown[]): Promise<Row[]> {
  return sequelize.query<Row>(text, {
    type: QueryTypes.SELECT,
    ...(bind === undefined ? {} : { bind }),
  });
}

/** The single text value of hand-written SQL (`SELECT … AS value`). */
async function sqlValue(text: string, bind?: unknown[]): Promise<string> {
  const [row] = await sql<{ value: string }>(text, bind);
  if (row === undefined) throw new Error(`no row from ${text}`);
  return row.value;
}

/** Statements the manager runs while `run` runs. */
async function captured<T>(run: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
  const from = statements.length;
  const result = await run();
  return { result, sql: statements.slice(from) };
}

const trackTuple = (track: Track) => [
  track.trackId,
  track.name,
  track.albumId,
  track.genreId,
  track.unitPrice,
];

interface TrackRow {
  track_id: number;
  name: string;
  album_id: number | null;
  genre_id: number | null;
  unit_price: string;
}

const rowTuple = (row: TrackRow) => [
  row.track_id,
  row.name,
  row.album_id,
  row.genre_id,
  row.unit_price,
];

const utc = (text: string) => new Date(text);

describe('loading the published script', () => {
  it('skips only the database-level lines and loads every row of every table', async () => {
    expect(load.skipped).toEqual([
      'DROP DATABASE IF EXISTS chinook;',
      'CREATE DATABASE chinook;',
      '\\c chinook;',
    ]);
    for (const [table, rows] of Object.entries(CHINOOK_ROWS)) {
      expect(Number(await sqlValue(`SELECT COUNT(*)::text AS value FROM ${table}`)), table).toBe(
        rows,
      );
    }
    const counted = {
      artist: await em.countAll(Artist),
      album: await em.countAll(Album),
      track: await em.countAll(Track),
      genre: await em.countAll(Genre),
      media_type: await em.countAll(MediaType),
      customer: await em.countAll(Customer),
      employee: await em.countAll(Employee),
      invoice: await em.countAll(Invoice),
      invoice_line: await em.countAll(InvoiceLine),
    };
    for (const [table, count] of Object.entries(counted))
      expect(count, table).toBe(CHINOOK_ROWS[table]);
  });

  it('removes those lines only, and keeps quoted ; and \\ in the data', async () => {
    const script = (await readFile(CHINOOK_SQL)).toString('utf8');
    const { body } = chinookStatements(script);
    const kept = body.split('\n');
    const keptSet = new Set(kept);
    expect(script.split('\n').filter((line) => !keptSet.has(line))).toEqual(load.skipped);
    expect(script.split('\n').length - kept.length).toBe(3);
    // One multi-statement query, not a split on ';': values holding ';' and '\\' load whole.
    expect(await sqlValue('SELECT composer AS value FROM track WHERE track_id = 1123')).toBe(
      'Sully Erna; Tony Rombola',
    );
    expect(await sqlValue('SELECT name AS value FROM track WHERE track_id = 3435')).toBe(
      'Cavalleria Rusticana \\ Act \\ Intermezzo Sinfonico',
    );
    expect(() => chinookStatements(script.replace('\\c chinook;', ''))).toThrow(
      /database-level lines/,
    );
  });
});

describe('subqueries', () => {
  it('finds the tracks of an artist through nested subqueries in one statement', async () => {
    const { result: tracks, sql: ran } = await captured(() =>
      em.selectAll(Track, {
        albumId__in: em.subquery(Album, 'albumId', {
          artistId__in: em.subquery(Artist, 'artistId', { name: 'AC/DC' }),
        }),
        orderBy: 'trackId',
      }),
    );
    const expected = await sql<TrackRow>(
      `SELECT t.track_id, t.name, t.album_id, t.genre_id, t.unit_price
         FROM track t JOIN album a ON a.album_id = t.album_id JOIN artist r ON r.artist_id = a.artist_id
        WHERE r.name = 'AC/DC' ORDER BY t.track_id`,
    );
    expect(expected).toHaveLength(18);
    expect(tracks.map(trackTuple)).toEqual(expected.map(rowTuple));
    expect(ran).toHaveLength(1);
    expect(ran[0]?.match(/IN \(SELECT/g)).toHaveLength(2);
    expect(ran[0]).not.toContain('AC/DC');
  });

  it('sums the sales of a genre two subqueries deep', async () => {
    const total = await em.sumAll(InvoiceLine, 'unitPrice', {
      trackId__in: em.subquery(Track, 'trackId', {
        genreId__in: em.subquery(Genre, 'genreId', { name: 'Rock' }),
      }),
    });
    const expected = await sqlValue(
      `SELECT SUM(l.unit_price)::text AS value FROM invoice_line l
         JOIN track t ON t.track_id = l.track_id JOIN genre g ON g.genre_id = t.genre_id
        WHERE g.name = 'Rock'`,
    );
    expect(total).toBe(expected);
    expect(total).not.toBe('0');
  });

  it('finds tracks never sold and artists without albums with __notin', async () => {
    const unsold = await em.selectAll(Track, {
      trackId__notin: em.subquery(InvoiceLine, 'trackId'),
      orderBy: 'trackId',
    });
    const expectedUnsold = await sql<{ track_id: number }>(
      `SELECT track_id FROM track t
        WHERE NOT EXISTS (SELECT 1 FROM invoice_line l WHERE l.track_id = t.track_id)
        ORDER BY track_id`,
    );
    expect(expectedUnsold).toHaveLength(1519);
    expect(unsold.map((track) => track.trackId)).toEqual(expectedUnsold.map((row) => row.track_id));

    const lonely = await em.selectAll(Artist, {
      artistId__notin: em.subquery(Album, 'artistId'),
      orderBy: 'name',
    });
    const expectedLonely = await sql<{ artist_id: number }>(
      `SELECT artist_id FROM artist r
        WHERE NOT EXISTS (SELECT 1 FROM album a WHERE a.artist_id = r.artist_id)
        ORDER BY name`,
    );
    expect(expectedLonely.length).toBeGreaterThan(0);
    expect(lonely.map((artist) => artist.artistId)).toEqual(
      expectedLonely.map((row) => row.artist_id),
    );
  });

  it('finds customers with no invoices with __notin, in and out of a unit of work', async () => {
    const noInvoices = { customerId__notin: em.subquery(Invoice, 'customerId') } as const;
    const orphansSql = `SELECT customer_id FROM customer c
      WHERE NOT EXISTS (SELECT 1 FROM invoice i WHERE i.customer_id = c.customer_id)
      ORDER BY customer_id`;
    // Every published customer has invoices.
    expect(await sql(orphansSql)).toEqual([]);
    expect(await em.selectAll(Customer, noInvoices)).toEqual([]);
    expect(
      await em.countAll(Customer, { customerId__in: em.subquery(Invoice, 'customerId') }),
    ).toBe(59);

    const uow = new EntityManager(sequelize);
    try {
      await uow.begin();
      for (const [customerId, supportRepId] of [
        [9001, 3],
        [9002, null],
      ] as const) {
        await uow.insert(
          Customer.build({
            customerId,
            firstName: 'New',
            lastName: `Customer ${customerId}`,
            company: null,
            city: null,
            state: null,
            country: 'Nowhere',
            email: `c${customerId}@example.com`,
            supportRepId,
          }),
          { commit: false },
        );
      }
      const orphans = await uow.selectAll(Customer, { ...noInvoices, orderBy: 'customerId' });
      const expected = await uow.selectRows<{ customer_id: number }>(orphansSql);
      expect(expected.map((row) => row.customer_id)).toEqual([9001, 9002]);
      expect(orphans.map((customer) => customer.customerId)).toEqual([9001, 9002]);
      expect(await uow.countAll(Customer, noInvoices)).toBe(2);
      expect(await uow.exists(Customer, noInvoices)).toBe(true);

      // Customer 9002 has no support rep: a NULL in the subquery must not empty a NOT IN.
      const idle = await uow.selectAll(Employee, {
        employeeId__notin: uow.subquery(Customer, 'supportRepId'),
        orderBy: 'employeeId',
      });
      const expectedIdle = await uow.selectRows<{ employee_id: number }>(
        `SELECT employee_id FROM employee e
          WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.support_rep_id = e.employee_id)
          ORDER BY employee_id`,
      );
      expect(expectedIdle.length).toBeGreaterThan(0);
      expect(idle.map((employee) => employee.employeeId)).toEqual(
        expectedIdle.map((row) => row.employee_id),
      );
      const naive = await uow.selectRows(
        'SELECT employee_id FROM employee WHERE employee_id NOT IN (SELECT support_rep_id FROM customer)',
      );
      expect(naive).toEqual([]);
    } finally {
      await uow.rollback();
    }
    expect(await em.selectAll(Customer, noInvoices)).toEqual([]);
    expect(await em.countAll(Customer)).toBe(59);
  });
});

describe('sums, counts and exists', () => {
  it('sums every invoice total exactly, where a float sum drifts', async () => {
    const total = await em.sumAll(Invoice, 'total');
    const expected = await sqlValue('SELECT SUM(total)::text AS value FROM invoice');
    expect(expected).toBe('2328.60');
    expect(total).toBe(expected);
    const totals = await sql<{ total: string }>('SELECT total FROM invoice ORDER BY invoice_id');
    const floatSum = totals.reduce((sum, row) => sum + Number(row.total), 0);
    expect(floatSum).not.toBe(2328.6);
    expect(String(floatSum)).not.toBe(expected);
  });

  it('sums invoice totals per customer and per country as SQL GROUP BY does', async () => {
    const perCustomer = await sql<{ customer_id: number; value: string; count: string }>(
      `SELECT customer_id, SUM(total)::text AS value, COUNT(*)::text AS count
         FROM invoice GROUP BY customer_id ORDER BY customer_id`,
    );
    expect(perCustomer).toHaveLength(59);
    for (const row of perCustomer) {
      const filters = { customerId: row.customer_id };
      expect(await em.sumAll(Invoice, 'total', filters), `customer ${row.customer_id}`).toBe(
        row.value,
      );
      expect(await em.countAll(Invoice, filters)).toBe(Number(row.count));
    }

    const perCountry = await sql<{ billing_country: string; value: string }>(
      `SELECT billing_country, SUM(total)::text AS value FROM invoice
        GROUP BY billing_country ORDER BY billing_country`,
    );
    expect(perCountry).toHaveLength(24);
    for (const row of perCountry) {
      expect(
        await em.sumAll(Invoice, 'total', { billingCountry: row.billing_country }),
        row.billing_country,
      ).toBe(row.value);
    }

    // By the customer's own country (a subquery) rather than the billing country.
    const perHome = await sql<{ country: string; value: string }>(
      `SELECT c.country, SUM(i.total)::text AS value FROM invoice i
         JOIN customer c ON c.customer_id = i.customer_id GROUP BY c.country ORDER BY c.country`,
    );
    for (const row of perHome) {
      const total = await em.sumAll(Invoice, 'total', {
        customerId__in: em.subquery(Customer, 'customerId', { country: row.country }),
      });
      expect(total, row.country).toBe(row.value);
    }
  });

  const filtered: readonly {
    readonly name: string;
    readonly filters: WhereFilters<Invoice>;
    readonly where: string;
  }[] = [
    { name: 'no filter', filters: {}, where: 'TRUE' },
    {
      name: 'country and minimum total',
      filters: { billingCountry: 'USA', total__gte: '5.00' },
      where: `billing_country = 'USA' AND total >= 5`,
    },
    {
      name: 'a year of dates',
      filters: { invoiceDate__range: [utc('2023-01-01T00:00:00Z'), utc('2023-12-31T23:59:59Z')] },
      where: `invoice_date BETWEEN '2023-01-01 00:00:00' AND '2023-12-31 23:59:59'`,
    },
    {
      name: 'countries and a maximum total',
      filters: { billingCountry__in: ['Canada', 'France', 'Germany'], total__lt: '2.00' },
      where: `billing_country IN ('Canada', 'France', 'Germany') AND total < 2`,
    },
    { name: 'no state', filters: { billingState__isnull: true }, where: 'billing_state IS NULL' },
    {
      name: 'not CA, NULL states included',
      filters: { billingState__ne: 'CA' },
      where: `billing_state IS DISTINCT FROM 'CA'`,
    },
    {
      name: 'city prefix, any case',
      filters: { billingCity__istartswith: 's' },
      where: `billing_city ILIKE 's%'`,
    },
    {
      name: 'nothing',
      filters: { billingCountry: 'Atlantis' },
      where: `billing_country = 'Atlantis'`,
    },
  ];

  it.each(filtered)(
    'sumAll, countAll and exists with filters: $name',
    async ({ filters, where }) => {
      const [expected] = await sql<{ total: string; count: string; found: boolean }>(
        `SELECT COALESCE(SUM(total), 0)::text AS total, COUNT(*)::text AS count,
              EXISTS (SELECT 1 FROM invoice WHERE ${where}) AS found
         FROM invoice WHERE ${where}`,
      );
      expect(await em.sumAll(Invoice, 'total', filters)).toBe(expected?.total);
      expect(await em.countAll(Invoice, filters)).toBe(Number(expected?.count));
      expect(await em.exists(Invoice, filters)).toBe(expected?.found);
    },
  );

  it('the filter cases cover matches and non-matches', async () => {
    const counts = await Promise.all(filtered.map(({ filters }) => em.countAll(Invoice, filters)));
    expect(counts.at(-1)).toBe(0);
    expect(counts.slice(0, -1).every((count) => count > 0 && count <= 412)).toBe(true);
  });

  it('sums INTEGER and NUMERIC columns of tracks and invoice lines', async () => {
    const [expected] = await sql<{ ms: string; bytes: string; price: string; qty: string }>(
      `SELECT (SELECT SUM(milliseconds) FROM track)::text AS ms,
              (SELECT SUM(bytes) FROM track)::text AS bytes,
              (SELECT SUM(unit_price) FROM invoice_line)::text AS price,
              (SELECT SUM(quantity) FROM invoice_line)::text AS qty`,
    );
    const ms = await em.sumAll(Track, 'milliseconds');
    expect(typeof ms).toBe('number');
    expect(ms).toBe(Number(expected?.ms));
    expect(await em.sumAll(Track, 'bytes')).toBe(Number(expected?.bytes));
    expect(await em.sumAll(InvoiceLine, 'unitPrice')).toBe(expected?.price);
    expect(await em.sumAll(InvoiceLine, 'quantity')).toBe(2240);
    // The lines add up to the invoices.
    expect(expected?.price).toBe('2328.60');
    expect(await em.sumAll(Track, 'milliseconds', { trackId: -1 })).toBe(0);
    expect(await em.sumAll(Track, 'unitPrice', { trackId: -1 })).toBe('0');
  });

  it('exists agrees with SQL EXISTS, case-sensitive for exact', async () => {
    const cases = [
      [
        em.exists(Artist, { name: 'AC/DC' }),
        `SELECT EXISTS (SELECT 1 FROM artist WHERE name = 'AC/DC') AS value`,
      ],
      [
        em.exists(Artist, { name: 'ac/dc' }),
        `SELECT EXISTS (SELECT 1 FROM artist WHERE name = 'ac/dc') AS value`,
      ],
      [
        em.exists(Artist, { name__iexact: 'ac/dc' }),
        `SELECT EXISTS (SELECT 1 FROM artist WHERE lower(name) = 'ac/dc') AS value`,
      ],
      [
        em.exists(Customer, { country: 'Brazil', supportRepId: 3 }),
        `SELECT EXISTS (SELECT 1 FROM customer WHERE country = 'Brazil' AND support_rep_id = 3) AS value`,
      ],
      [
        em.exists(Track, { composer: null, genreId: 1 }),
        `SELECT EXISTS (SELECT 1 FROM track WHERE composer IS NULL AND genre_id = 1) AS value`,
      ],
      [
        em.exists(Invoice, { total__gt: '25.00' }),
        `SELECT EXISTS (SELECT 1 FROM invoice WHERE total > 25) AS value`,
      ],
    ] as const;
    const seen = new Set<boolean>();
    for (const [found, query] of cases) {
      const [row] = await sql<{ value: boolean }>(query);
      expect(await found, query).toBe(row?.value);
      seen.add(await found);
    }
    expect(seen).toEqual(new Set([true, false]));
  });
});

describe('ordering and pagination', () => {
  it('pages of tracks by name then id add up to the ordered SQL result, no gaps or repeats', async () => {
    const all = await sql<{ track_id: number }>(
      'SELECT track_id FROM track ORDER BY name, track_id',
    );
    expect(all).toHaveLength(3503);
    const size = 250;
    const paged: number[] = [];
    let pages = 0;
    for (let offset = 0; ; offset += size) {
      const page = await em.selectAll(Track, { orderBy: ['name', 'trackId'], limit: size, offset });
      pages += 1;
      paged.push(...page.map((track) => track.trackId));
      if (page.length < size) break;
    }
    expect(pages).toBe(15);
    expect(paged).toEqual(all.map((row) => row.track_id));
    expect(new Set(paged).size).toBe(3503);
    expect(
      await em.selectAll(Track, { orderBy: ['name', 'trackId'], limit: size, offset: 3503 }),
    ).toEqual([]);
    // Names repeat (the same song on several albums): the id is what makes the order total.
    const [repeated] = await sql<{ value: string }>(
      'SELECT COUNT(*)::text AS value FROM (SELECT name FROM track GROUP BY name HAVING COUNT(*) > 1) d',
    );
    expect(Number(repeated?.value)).toBeGreaterThan(100);
  });

  it('pages descending, filtered, and with an offset alone', async () => {
    const expected = await sql<{ track_id: number }>(
      'SELECT track_id FROM track WHERE genre_id = 1 ORDER BY name DESC, track_id DESC',
    );
    expect(expected.length).toBeGreaterThan(1000);
    const size = 37;
    const paged: number[] = [];
    for (let offset = 0; offset < expected.length + size; offset += size) {
      const page = await em.selectAll(Track, {
        genreId: 1,
        orderBy: ['-name', '-trackId'],
        limit: size,
        offset,
      });
      expect(page.length).toBe(Math.max(0, Math.min(size, expected.length - offset)));
      paged.push(...page.map((track) => track.trackId));
    }
    expect(paged).toEqual(expected.map((row) => row.track_id));
    const tail = await em.selectAll(Track, {
      genreId: 1,
      orderBy: ['-name', '-trackId'],
      offset: 1000,
    });
    expect(tail.map((track) => track.trackId)).toEqual(
      expected.slice(1000).map((row) => row.track_id),
    );
  });

  it('selectBy takes the first row in orderBy order', async () => {
    const longest = await em.selectBy(Track, { orderBy: ['-milliseconds', 'trackId'] });
    const [expectedLongest] = await sql<TrackRow>(
      'SELECT track_id, name, album_id, genre_id, unit_price FROM track ORDER BY milliseconds DESC, track_id LIMIT 1',
    );
    expect(longest && trackTuple(longest)).toEqual(expectedLongest && rowTuple(expectedLongest));

    const shortestRock = await em.selectBy(Track, {
      genreId__in: em.subquery(Genre, 'genreId', { name: 'Rock' }),
      orderBy: ['milliseconds', 'trackId'],
    });
    const [expectedShortest] = await sql<TrackRow>(
      `SELECT track_id, name, album_id, genre_id, unit_price FROM track
        WHERE genre_id = (SELECT genre_id FROM genre WHERE name = 'Rock')
        ORDER BY milliseconds, track_id LIMIT 1`,
    );
    expect(shortestRock && trackTuple(shortestRock)).toEqual(
      expectedShortest && rowTuple(expectedShortest),
    );

    const biggest = await em.selectBy(Invoice, {
      billingCountry: 'Brazil',
      orderBy: ['-total', 'invoiceId'],
    });
    const [expectedBiggest] = await sql<{ invoice_id: number; total: string }>(
      `SELECT invoice_id, total FROM invoice WHERE billing_country = 'Brazil'
        ORDER BY total DESC, invoice_id LIMIT 1`,
    );
    expect([biggest?.invoiceId, biggest?.total]).toEqual([
      expectedBiggest?.invoice_id,
      expectedBiggest?.total,
    ]);

    const last = await em.selectBy(Customer, { orderBy: ['-lastName', '-customerId'] });
    const [expectedLast] = await sql<{ customer_id: number }>(
      'SELECT customer_id FROM customer ORDER BY last_name DESC, customer_id DESC LIMIT 1',
    );
    expect(last?.customerId).toBe(expectedLast?.customer_id);

    expect(await em.selectBy(Track, { name: 'No Such Song', orderBy: 'trackId' })).toBeNull();
    const first = await em.select(Track, 1);
    const [expectedFirst] = await sql<TrackRow>(
      'SELECT track_id, name, album_id, genre_id, unit_price FROM track WHERE track_id = 1',
    );
    expect(first && trackTuple(first)).toEqual(expectedFirst && rowTuple(expectedFirst));
  });
});

describe('text lookups on track names', () => {
  // `pattern` is the ILIKE pattern a person would write for the needle (ESCAPE '!').
  const contains = [
    { needle: 'love', pattern: '%love%' },
    { needle: 'LOVE', pattern: '%love%' },
    { needle: 'the ', pattern: '%the %' },
    { needle: "'", pattern: "%'%" },
    { needle: 'ção', pattern: '%ção%' },
    { needle: '%', pattern: '%!%%' },
    { needle: '!', pattern: '%!!%' },
    { needle: '_', pattern: '%!_%' },
    { needle: 'rock and roll', pattern: '%rock and roll%' },
  ];

  it.each(contains)('icontains $needle equals ILIKE $pattern', async ({ needle, pattern }) => {
    const tracks = await em.selectAll(Track, { name__icontains: needle, orderBy: 'trackId' });
    const expected = await sql<{ track_id: number }>(
      `SELECT track_id FROM track WHERE name ILIKE $1 ESCAPE '!' ORDER BY track_id`,
      [pattern],
    );
    expect(tracks.map((track) => track.trackId)).toEqual(expected.map((row) => row.track_id));
    // A second opinion that knows nothing of patterns.
    const byPosition = await sql<{ track_id: number }>(
      'SELECT track_id FROM track WHERE strpos(lower(name), lower($1)) > 0 ORDER BY track_id',
      [needle],
    );
    expect(expected).toEqual(byPosition);
  });

  it('the needles match some names and not others', async () => {
    const counts = await Promise.all(
      contains.map(({ needle }) => em.countAll(Track, { name__icontains: needle })),
    );
    const byNeedle = Object.fromEntries(
      contains.map(({ needle }, index) => [needle, counts[index]]),
    );
    expect(byNeedle.love).toBe(byNeedle.LOVE);
    expect(byNeedle.love).toBeGreaterThan(100);
    expect(byNeedle['%']).toBe(2);
    expect(byNeedle['!']).toBe(8);
    expect(byNeedle._).toBe(0);
  });

  const prefixes = [
    { needle: 'the', pattern: 'the%' },
    { needle: 'THE ', pattern: 'the %' },
    { needle: 'a', pattern: 'a%' },
    { needle: '(', pattern: '(%' },
    { needle: '100%', pattern: '100!%%' },
    { needle: 'é', pattern: 'é%' },
  ];

  it.each(prefixes)('istartswith $needle equals ILIKE $pattern', async ({ needle, pattern }) => {
    const tracks = await em.selectAll(Track, { name__istartswith: needle, orderBy: 'trackId' });
    const expected = await sql<{ track_id: number }>(
      `SELECT track_id FROM track WHERE name ILIKE $1 ESCAPE '!' ORDER BY track_id`,
      [pattern],
    );
    expect(tracks.map((track) => track.trackId)).toEqual(expected.map((row) => row.track_id));
    expect(await em.countAll(Track, { name__istartswith: needle })).toBe(expected.length);
  });

  it('contains is case-sensitive where icontains is not', async () => {
    const exact = await em.selectAll(Track, { name__contains: 'Love', orderBy: 'trackId' });
    const expected = await sql<{ track_id: number }>(
      `SELECT track_id FROM track WHERE name LIKE '%Love%' ORDER BY track_id`,
    );
    expect(exact.map((track) => track.trackId)).toEqual(expected.map((row) => row.track_id));
    expect(expected.length).toBeLessThan(await em.countAll(Track, { name__icontains: 'Love' }));
  });
});

describe('dates', () => {
  it('range on invoice dates is inclusive at both ends', async () => {
    const [bounds] = await sql<{ low: string; high: string }>(
      `SELECT to_char((SELECT invoice_date FROM invoice WHERE invoice_id = 100), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS low,
              to_char((SELECT invoice_date FROM invoice WHERE invoice_id = 200), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS high`,
    );
    if (bounds === undefined) throw new Error('no bounds');
    const range = [utc(bounds.low), utc(bounds.high)] as const;
    const invoices = await em.selectAll(Invoice, {
      invoiceDate__range: range,
      orderBy: 'invoiceId',
    });
    const expected = await sql<{ invoice_id: number }>(
      `SELECT invoice_id FROM invoice
        WHERE invoice_date BETWEEN (SELECT invoice_date FROM invoice WHERE invoice_id = 100)
                               AND (SELECT invoice_date FROM invoice WHERE invoice_id = 200)
        ORDER BY invoice_id`,
    );
    const ids = invoices.map((invoice) => invoice.invoiceId);
    expect(ids).toEqual(expected.map((row) => row.invoice_id));
    expect(ids).toContain(100);
    expect(ids).toContain(200);

    const open = await em.selectAll(Invoice, {
      invoiceDate__gt: range[0],
      invoiceDate__lt: range[1],
      orderBy: 'invoiceId',
    });
    expect(open.map((invoice) => invoice.invoiceId)).toEqual(
      ids.filter((id) => id !== 100 && id !== 200),
    );
    expect(await em.sumAll(Invoice, 'total', { invoiceDate__range: range })).toBe(
      await sqlValue(
        `SELECT SUM(total)::text AS value FROM invoice
          WHERE invoice_date BETWEEN $1::timestamp AND $2::timestamp`,
        [
          bounds.low.replace('T', ' ').replace('Z', ''),
          bounds.high.replace('T', ' ').replace('Z', ''),
        ],
      ),
    );
  });

  it('per-year sums over date ranges add up to the grand total', async () => {
    const years = await sql<{ year: number; value: string }>(
      `SELECT EXTRACT(YEAR FROM invoice_date)::int AS year, SUM(total)::text AS value
         FROM invoice GROUP BY 1 ORDER BY 1`,
    );
    expect(years.map((row) => row.year)).toEqual([2021, 2022, 2023, 2024, 2025]);
    let cents = 0n;
    for (const { year, value } of years) {
      const total = await em.sumAll(Invoice, 'total', {
        invoiceDate__gte: utc(`${year}-01-01T00:00:00Z`),
        invoiceDate__lt: utc(`${year + 1}-01-01T00:00:00Z`),
      });
      expect(total, String(year)).toBe(value);
      cents += BigInt(total.replace('.', ''));
    }
    expect(cents).toBe(232860n);
  });
});

describe('selectRows', () => {
  it('binds $1, $2 positionally and agrees with selectAll', async () => {
    const rows = await em.selectRows<{ invoice_id: number; total: string }>(
      'SELECT invoice_id, total FROM invoice WHERE billing_country = $1 AND total > $2 ORDER BY invoice_id',
      ['Brazil', '5.00'],
    );
    const invoices = await em.selectAll(Invoice, {
      billingCountry: 'Brazil',
      total__gt: '5.00',
      orderBy: 'invoiceId',
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(
      invoices.map((invoice) => ({ invoice_id: invoice.invoiceId, total: invoice.total })),
    );
  });

  it('binds $name from an object, and a bind reused twice', async () => {
    const rows = await em.selectRows<{ name: string }>(
      'SELECT name FROM artist WHERE name = $name OR name = $other ORDER BY name',
      { name: 'AC/DC', other: 'Aerosmith' },
    );
    expect(rows).toEqual([{ name: 'AC/DC' }, { name: 'Aerosmith' }]);
    const twice = await em.selectRows<{ track_id: number }>(
      'SELECT track_id FROM track WHERE genre_id = $1 AND media_type_id = $1 ORDER BY track_id',
      [1],
    );
    expect(twice.map((row) => row.track_id)).toEqual(
      (await em.selectAll(Track, { genreId: 1, mediaTypeId: 1, orderBy: 'trackId' })).map(
        (track) => track.trackId,
      ),
    );
  });

  it('keeps a bound value a value', async () => {
    const hostile = "AC/DC' OR '1'='1";
    expect(await em.selectRows('SELECT * FROM artist WHERE name = $1', [hostile])).toEqual([]);
    expect(await em.exists(Artist, { name: hostile })).toBe(false);
    expect(await em.countAll(Artist)).toBe(275);
  });

  it('reports a failing statement as QUERY_FAILED', async () => {
    const error = await em.selectRows('SELECT no_such_column FROM track').catch((e: unknown) => e);
    expect(EntityError.is(error) && error.code).toBe('QUERY_FAILED');
  });
});
