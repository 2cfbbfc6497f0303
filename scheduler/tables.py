"""Every table of the scheduler, imported in one place so SQLModel.metadata knows them all."""
