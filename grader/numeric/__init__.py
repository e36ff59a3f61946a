"""grader.numeric"""
