"""What crosses between the layers: the activities' names, arguments and results, and the
search attributes the workflows set. Plain models with no database, mail or workflow code,
so workflows, activities, the store and the command line can all import them."""
