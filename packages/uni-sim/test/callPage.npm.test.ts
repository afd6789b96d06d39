import { LAYOUTS, useLayout } from './layout'
import { defineCallPageTests } from './callPageSuite'

useLayout(LAYOUTS.npm)
defineCallPageTests()
