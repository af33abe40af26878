import { Sequelize } from 'sequelize';
import { afterAll } from 'vitest';

/**
 * A Sequelize instance to define models on and build instances with: it never connects, so tests
 * that need no stored rows need no database. Closed after the tests of the calling file.
 */
export function sequelizeForBuilding(): Sequelize {
  const sequelize = new Sequelize({ dialect: 'postgres', logging: false });
  afterAll(async () => {
    await sequelize.close();
  });
  return sequelize;
}
